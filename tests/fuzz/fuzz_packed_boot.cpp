// fuzz_packed_boot.cpp — the hypervisor's boot from a hostile packed description (re-sealed with its CRC-32, as an
// attacker who can write the image would): packed_system_load() refuses it with a reason, or every VM it describes is
// created on the fake board (or refused alone) with everything loaded for it inside its own RAM.
#include <cstdint>
#include <memory>

#include "fuzz_boot_common.hpp"
#include "packed_system.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace tessera;
    // The description as the boot maps it: 8-byte aligned, exactly its size
    // (so that AddressSanitizer sees a read past its end), read-only to the parser.
    // (operator new's alignment, 16, covers the 8 the parser assumes.)
    const auto copy = std::make_unique<u8[]>(size + (size == 0 ? 1 : 0));
    u8* blob = copy.get();
    if (size != 0) std::memcpy(blob, data, size);
    fuzz::reseal(blob, size);
    PageAllocator alloc = fuzz::fresh_board();
    SystemDesc sys{};
    const char* why = packed_system_load(blob, size, alloc, sys);
    if (why != nullptr) {
        fuzz::require(why[0] != 0, "refused without a reason");
        return 0;
    }
    fuzz::require(sys.vm_count >= 1 && sys.vm_count <= 255, "accepted a description with no or too many VMs");
    for (u16 i = 0; i < sys.vm_count; ++i) {
        const VmDesc& d = sys.vms[i];
        auto within = [&](const Blob& b) { return b.size() == 0 || (b.begin >= blob && b.end <= blob + size); };
        fuzz::require(within(d.image) && within(d.initrd) && within(d.dtb), "a VM's part outside the description");
        fuzz::require(d.cores >= blob && d.cores + d.vcpu_count <= blob + size, "a VM's cores outside the description");
    }
    try {
        vms_create(sys, alloc);
    } catch (const arch::fake::PoweredOff&) {
        // Every VM refused, each with its message: the board says so and powers off.
        for (u16 i = 0; i < g_vms.count; ++i) {
            fuzz::require(g_vms.vms[i].state == VmState::failed, "powered off with a VM running");
        }
    }
    fuzz::check_created_vms();
    return 0;
}
