// hypercalls.cpp — the SMCCC surface: known calls answer, unknown ones return NOT_SUPPORTED and the guest carries on.
#include "kit.hpp"

using namespace tessera::abi;

int main() {
    const tessera::u64 not_supported = static_cast<tessera::u64>(SMCCC_NOT_SUPPORTED);

    kit::check(kit::hvc(SMCCC_VERSION).x0 == 0x10001, "SMCCC_VERSION is 1.1");
    kit::check(kit::hvc(TESSERA_ABI_VERSION).x0 == ((ABI_MAJOR << 16) | ABI_MINOR), "Tessera ABI version");
    const kit::CallResult uid = kit::hvc(VENDOR_HYP_CALL_UID);
    kit::check(uid.x0 == TESSERA_UID[0] && uid.x3 == TESSERA_UID[3], "vendor hypervisor UID is Tessera's");
    kit::check(kit::hvc(PSCI_FEATURES, PSCI_SYSTEM_OFF).x0 == 0, "PSCI_FEATURES knows SYSTEM_OFF");
    kit::check(kit::hvc(PSCI_FEATURES, 0x8400'0099).x0 == not_supported, "PSCI_FEATURES rejects unknown IDs");

    const tessera::u64 unknown[] = {0xc600'0099, 0x8600'1234, 0x1234'5678, 0xc500'0001, TESSERA_TEST_EL2_WRITE_CODE};
    for (tessera::u64 fid : unknown) {
        const kit::CallResult r = kit::hvc(fid, 1, 2, 3);
        kit::print("hvc %#llx returned %lld\n", static_cast<unsigned long long>(fid), static_cast<long long>(r.x0));
        kit::check(r.x0 == not_supported, "unknown hypercall returns NOT_SUPPORTED (-1)");
    }
    // The same through smc, which the hypervisor traps: a guest never reaches the firmware.
    kit::check(kit::smc(0xc600'0099).x0 == not_supported, "unknown smc returns NOT_SUPPORTED");
    kit::check(kit::smc(PSCI_VERSION).x0 == 0x10001, "PSCI over smc answers");
    kit::print("still running after unknown hypercalls\n");
    kit::pass();
}
