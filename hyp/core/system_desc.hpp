// system_desc.hpp — the static system description the hypervisor boots from.
//
// Generated on the host from the system definition and linked into the image:
// the hypervisor never parses text and sizes all its tables from this.
#pragma once

#include "types.hpp"

namespace tessera {

struct VmDesc {
    const char* name;
    const u8* image; ///< the guest's flat binary, in the image's payload
    const u8* image_end;
    u64 ram_ipa; ///< guest-physical base of its RAM; the image loads here
    u64 ram_size;
    u16 vcpu_count;
    u8 core; ///< physical core that runs vCPU 0
};

struct SystemDesc {
    const VmDesc* vms;
    u16 vm_count;
};

/// The system this image was built for.
extern const SystemDesc g_system;

} // namespace tessera
