# sources.cmake — the portable core's sources, listed once: built into the EL2
# image (hyp/CMakeLists.txt) and, against the fake architecture in
# hyp/arch/host, into the host library the unit tests link (tests/unit).
# Runtime sources first, the boot-only ones after: the EL2 image keeps the
# first copy of an inline function or vtable both use, and the runtime's
# must be the one kept (hyp/arch/aarch64/link.ld unmaps the boot-only ones).
set(TESSERA_CORE_SOURCES
    channel.cpp
    console.cpp
    cpu_features.cpp
    entropy.cpp
    failover.cpp
    format.cpp
    guest_fault.cpp
    hypercall.cpp
    log_limit.cpp
    mmio.cpp
    page_alloc.cpp
    progress.cpp
    sched.cpp
    status.cpp
    sysreg_trap.cpp
    vgic.cpp
    vm.cpp
    vm_health.cpp
    vpl011.cpp
    vsp805.cpp
    # boot-only
    channel_create.cpp
    entropy_seed.cpp
    failover_prepare.cpp
    record_check.cpp
    version_counter.cpp
    vm_create.cpp)
list(TRANSFORM TESSERA_CORE_SOURCES PREPEND ${CMAKE_CURRENT_LIST_DIR}/)

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
