# sources.cmake — the portable core's sources, listed once: built into the EL2
# image (hyp/CMakeLists.txt) and, against the fake architecture in
# hyp/arch/host, into the host library the unit tests link (tests/unit).
set(TESSERA_CORE_SOURCES
    channel.cpp
    channel_create.cpp
    console.cpp
    cpu_features.cpp
    entropy.cpp
    entropy_seed.cpp
    failover.cpp
    failover_prepare.cpp
    format.cpp
    guest_fault.cpp
    hypercall.cpp
    log_limit.cpp
    mmio.cpp
    page_alloc.cpp
    progress.cpp
    record_check.cpp
    sched.cpp
    status.cpp
    sysreg_trap.cpp
    version_counter.cpp
    vgic.cpp
    vm.cpp
    vm_create.cpp
    vm_health.cpp
    vpl011.cpp
    vsp805.cpp)
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
