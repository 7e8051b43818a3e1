// panic_write.cpp — asks the test hook to make EL2 write its own code; that must panic the hypervisor.
#include "kit.hpp"

int main() {
    kit::print("asking EL2 to write its code\n");
    kit::hvc(tessera::abi::TESSERA_TEST_EL2_WRITE_CODE);
    kit::print("FAIL: EL2 code was writable\n");
    return 1;
}
