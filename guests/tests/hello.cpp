// hello.cpp — a well-behaved guest: says who it is, checks the basics, computes, ends cleanly.
#include "kit.hpp"

using namespace tessera::abi;

int main() {
    const kit::VmInfo me = kit::vm_info();
    kit::print("hello from VM %llu, vCPU %llu of %llu, MMU on\n", static_cast<unsigned long long>(me.vm_id),
               static_cast<unsigned long long>(me.vcpu_index), static_cast<unsigned long long>(me.vcpu_count));
    kit::check(kit::hvc(PSCI_VERSION).x0 == 0x10001, "PSCI version is 1.1");

    // Some work that touches all of a 64 KiB buffer, so a run that finishes has
    // really executed in its own memory.
    static tessera::u64 buf[8192];
    tessera::u64 sum = 0;
    for (tessera::u64 round = 0; round < 4; ++round) {
        for (tessera::u64 i = 0; i < 8192; ++i) buf[i] = buf[i] * 31 + i + round;
        for (tessera::u64 i = 0; i < 8192; ++i) sum += buf[i];
    }
    kit::print("checksum %#llx\n", static_cast<unsigned long long>(sum));
    kit::check(sum == 0xf87cc06000ull, "checksum matches");
    kit::print("done\n");
    return 0;
}
