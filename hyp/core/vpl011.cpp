// vpl011.cpp — a virtual PL011 (PL011 TRM, DDI 0183) with an always-ready transmitter.
#include "vpl011.hpp"

#include "console.hpp"
#include "vgic.hpp"
#include "vm.hpp"

namespace tessera {

namespace {

constexpr u32 FR_RXFE = 1u << 4, FR_TXFF = 1u << 5, FR_RXFF = 1u << 6, FR_TXFE = 1u << 7;
constexpr u32 INT_RX = 1u << 4, INT_TX = 1u << 5, INT_RT = 1u << 6;
constexpr u32 CR_RESET = 0x300; // TXE | RXE
constexpr u32 IFLS_RESET = 0x12;
// PrimeCell identification: part 0x011, designer Arm, revision 3; then the cell ID.
constexpr u8 ID_REGS[8] = {0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

/// Raw interrupt status: the transmitter is always empty (output leaves at
/// once), the receiver has data while the FIFO is not empty.
u32 ris(const Vpl011& u) {
    u32 r = u.tx_cleared ? 0 : INT_TX;
    if (u.rx_count > 0) r |= INT_RX | INT_RT;
    return r;
}

/// Drives the interrupt line from the masked status; call after any change.
void update_line(Vm& vm) { vgic_set_line(vm, VPL011_INTID, (ris(vm.uart) & vm.uart.imsc) != 0); }

} // namespace

void vpl011_reset(Vpl011& u) {
    LockGuard guard(u.lock);
    u.rx_head = u.rx_count = 0;
    u.rx_dropping = false;
    u.cr = CR_RESET;
    u.lcr_h = u.ibrd = u.fbrd = u.imsc = u.dmacr = u.ilpr = 0;
    u.ifls = IFLS_RESET;
    u.tx_cleared = false;
}

bool vpl011_access(Vcpu& v, u64 off, unsigned size, bool write, u64& value) {
    Vm& vm = *v.vm;
    Vpl011& u = vm.uart;
    if (size > 4) return false;
    const u32 w = static_cast<u32>(value);
    char out = 0;
    bool have_out = false;
    {
        LockGuard guard(u.lock);
        if (off >= 0xfe0 && off < 0x1000) {
            if (!write) value = ID_REGS[(off - 0xfe0) / 4];
            return true;
        }
        switch (off) {
        case 0x000: // DR
            if (write) {
                out = static_cast<char>(w);
                have_out = true;
                u.tx_cleared = false;
            } else if (u.rx_count > 0) {
                value = u.rx[u.rx_head];
                u.rx_head = (u.rx_head + 1) % Vpl011::RX_QUEUE;
                --u.rx_count;
                u.rx_dropping = false;
            } else {
                value = 0;
            }
            break;
        case 0x004:
            if (!write) value = 0;
            break;  // RSR/ECR: no errors
        case 0x018: // FR
            if (!write) {
                value = FR_TXFE | (u.rx_count == 0 ? FR_RXFE : 0) | (u.rx_count >= Vpl011::RX_FIFO ? FR_RXFF : 0);
                static_assert(FR_TXFF != 0, "the transmit FIFO is never full");
            }
            break;
        case 0x020:
            if (write)
                u.ilpr = w;
            else
                value = u.ilpr;
            break;
        case 0x024:
            if (write)
                u.ibrd = w;
            else
                value = u.ibrd;
            break;
        case 0x028:
            if (write)
                u.fbrd = w;
            else
                value = u.fbrd;
            break;
        case 0x02c:
            if (write)
                u.lcr_h = w;
            else
                value = u.lcr_h;
            break;
        case 0x030:
            if (write)
                u.cr = w;
            else
                value = u.cr;
            break;
        case 0x034:
            if (write)
                u.ifls = w;
            else
                value = u.ifls;
            break;
        case 0x038:
            if (write)
                u.imsc = w & 0x7ff;
            else
                value = u.imsc;
            break;
        case 0x03c:
            if (!write) value = ris(u);
            break;
        case 0x040:
            if (!write) value = ris(u) & u.imsc;
            break;
        case 0x044:
            if (write && (w & INT_TX)) u.tx_cleared = true;
            break; // ICR: RX clears by reading
        case 0x048:
            if (write)
                u.dmacr = w;
            else
                value = u.dmacr;
            break;
        default:
            if (!write) value = 0;
            break;
        }
    }
    // (A vCPU still leaving its core after its VM stopped prints no more:
    // its VM's last row was already shown.)
    if (have_out && vm.state.load(std::memory_order_acquire) == VmState::running) {
        vm.console.write(vm.name(), &out, 1);
    }
    update_line(vm);
    return true;
}

bool vpl011_input(Vm& vm, char c) {
    Vpl011& u = vm.uart;
    bool queued = false, first_drop = false;
    {
        LockGuard guard(u.lock);
        if (u.rx_count < Vpl011::RX_QUEUE) {
            u.rx[(u.rx_head + u.rx_count) % Vpl011::RX_QUEUE] = static_cast<u8>(c);
            ++u.rx_count;
            queued = true;
        } else {
            first_drop = !u.rx_dropping;
            u.rx_dropping = true;
        }
    }
    if (first_drop) log("console: vm %s is not reading its UART; input dropped until it does", vm.name());
    if (queued) update_line(vm);
    return queued;
}

} // namespace tessera
