# sources.cmake — the portable core's sources, listed once: built into the EL2
# image (hyp/CMakeLists.txt) and, against the fake architecture in
# hyp/arch/host, into the host library the unit tests link (tests/unit).
# Five lists, in link order: the runtime core, the runtime optional modules
# (which the minimal build leaves out: hyp/modules/absent.cpp stands in),
# loading a VM, then the boot-only parts of the core and the modules. The EL2 image keeps the first copy of an
# inline function or vtable that several objects have, and the runtime's
# must be the one kept (hyp/arch/aarch64/link.ld unmaps the boot-only ones).
set(TESSERA_CORE_RUNTIME
    console.cpp
    cpu_features.cpp
    format.cpp
    guest_fault.cpp
    guest_walk.cpp
    hypercall.cpp
    log_limit.cpp
    mmio.cpp
    progress.cpp
    sched.cpp
    status.cpp
    sysreg_trap.cpp
    vgic.cpp
    vm.cpp)
set(TESSERA_CORE_OPTIONAL
    channel.cpp     # channels between VMs
    entropy.cpp     # guests' random seeds and TRNG
    failover.cpp    # failover pairs
    hypercall_optional.cpp # the calls of the modules below and above
    ram_fill.cpp    # VMs' RAM scrubbed on first touch
    vm_health.cpp   # restarts, SYSTEM_RESET, the watchdog's expiry
    vpl011.cpp      # the virtual UART
    vsp805.cpp)     # the virtual watchdog
# Loading a VM (the boot's, and a restart's): resident in the full build,
# boot-only in the minimal one, which cannot restart a VM (link.ld). After
# the optional modules: an inline copy shared with runtime code is kept
# from a runtime object.
set(TESSERA_CORE_LOAD
    page_alloc.cpp
    vm_load.cpp)
set(TESSERA_CORE_BOOT
    record_check.cpp
    version_counter.cpp
    vm_create.cpp)
set(TESSERA_CORE_OPTIONAL_BOOT
    channel_create.cpp
    entropy_seed.cpp
    failover_prepare.cpp)
foreach(list TESSERA_CORE_RUNTIME TESSERA_CORE_OPTIONAL TESSERA_CORE_LOAD TESSERA_CORE_BOOT TESSERA_CORE_OPTIONAL_BOOT)
    list(TRANSFORM ${list} PREPEND ${CMAKE_CURRENT_LIST_DIR}/)
endforeach()
set(TESSERA_CORE_SOURCES ${TESSERA_CORE_RUNTIME} ${TESSERA_CORE_OPTIONAL} ${TESSERA_CORE_LOAD} ${TESSERA_CORE_BOOT}
    ${TESSERA_CORE_OPTIONAL_BOOT})

# The core as a host library (tests/unit, tests/fuzz): the core, the boot's
# Linux layout, the fake architecture and the virtio module.
set(TESSERA_CORE_HOST_SOURCES ${TESSERA_CORE_SOURCES}
    ${CMAKE_CURRENT_LIST_DIR}/../boot/linux_dtb.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../arch/host/arch_host.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../arch/host/arch_mem.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../modules/virtio/virtqueue.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../modules/virtio/virtio_mmio.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../modules/virtio/virtio_net.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../modules/virtio/virtio_net_init.cpp
    ${CMAKE_CURRENT_LIST_DIR}/../modules/virtio/virtio_console.cpp)
