// panic_boot_data.cpp — asks the test hook to make EL2 read its boot-only data after boot; that must panic the
// hypervisor.
#include "kit.hpp"

int main() {
    kit::print("asking EL2 to read its boot data\n");
    kit::hvc(tessera::abi::TESSERA_TEST_EL2_READ_BOOT);
    kit::print("FAIL: EL2's boot data was still there\n");
    return 1;
}
