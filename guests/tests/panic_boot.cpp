// panic_boot.cpp — asks the test hook to make EL2 call its boot-only code after boot; that must panic the hypervisor.
#include "kit.hpp"

int main() {
    kit::print("asking EL2 to call its boot code\n");
    kit::hvc(tessera::abi::TESSERA_TEST_EL2_CALL_BOOT);
    kit::print("FAIL: EL2's boot code was still there\n");
    return 1;
}
