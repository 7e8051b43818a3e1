// virtio_create.hpp — boot-only: the virtio devices of a system's virtio channels, placed in their VMs.
#pragma once

#include "system_desc.hpp"

namespace tessera {
class PageAllocator;
}

namespace tessera::virtio {

/// Creates a virtio-net link for each virtio-net channel of `sys` and a
/// virtio console for each virtio-console channel (in its side 0): the j-th
/// virtio device of a VM is at vplat::VIRTIO_BASE + j * VIRTIO_SIZE with SPI
/// VIRTIO_INTID + j (the SDK's device tree says the same). Runs once on the
/// boot core, after the VMs and channels exist, before they run.
void virtio_create(const SystemDesc& sys, PageAllocator& alloc);

} // namespace tessera::virtio
