// panic_exec.cpp — asks the test hook to make EL2 execute data; that must panic the hypervisor.
#include "kit.hpp"

int main() {
    kit::print("asking EL2 to execute data\n");
    kit::hvc(tessera::abi::TESSERA_TEST_EL2_EXEC_DATA);
    kit::print("FAIL: EL2 data was executable\n");
    return 1;
}
