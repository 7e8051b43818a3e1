// esr.cpp — names of exception classes.
#include "esr.hpp"

namespace tessera::arch {

const char* esr_class_name(u32 c) {
    switch (c) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE";
    case 0x03:
    case 0x04: return "CP15 access (AArch32)";
    case 0x05:
    case 0x06:
    case 0x0c: return "CP14 access (AArch32)";
    case 0x07: return "FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC (AArch64)";
    case 0x16: return "HVC (AArch64)";
    case 0x17: return "SMC (AArch64)";
    case 0x18: return "system register access";
    case 0x20: return "instruction abort from a lower EL";
    case 0x21: return "instruction abort at EL2";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from a lower EL";
    case 0x25: return "data abort at EL2";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    case 0x3c: return "BRK instruction";
    default: return "other";
    }
}

const char* esr_fault_name(u32 fsc) {
    switch (fsc & 0x3c) {
    case 0x04: return "translation fault";
    case 0x08: return "access flag fault";
    case 0x0c: return "permission fault";
    default: break;
    }
    switch (fsc) {
    case 0x00: return "address size fault";
    case 0x10: return "synchronous external abort";
    case 0x21: return "alignment fault";
    default: return "other fault";
    }
}

} // namespace tessera::arch
