// ap0r_attack.cpp — sets a Group-0 active priority in its virtual CPU interface (ICC_AP0R0_EL1) and ends: on bare
// metal that is its own core's state; under a hypervisor it must stay this vCPU's, or the next vCPU on the physical
// core would never take a virtual interrupt again (tests/system/CMakeLists.txt: ap0r_stays_with_its_vcpu).
#include "kit.hpp"

int main() {
    asm volatile("msr s3_0_c12_c8_4, %0; isb" ::"r"(1ull)); // ICC_AP0R0_EL1: priority 0 active
    tessera::u64 back = 0;
    asm volatile("mrs %0, s3_0_c12_c8_4" : "=r"(back));
    kit::print("AP0R0 set to %llu; ending\n", static_cast<unsigned long long>(back));
    return 0;
}
