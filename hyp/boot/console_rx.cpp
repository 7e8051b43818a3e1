// console_rx.cpp — keystrokes on the physical console, to the VM that has the focus (resident: runs on every key).
#include "console_rx.hpp"

#include "boot_only.hpp"

#include "arch.hpp"
#include "console.hpp"
#include "pl011.hpp"
#include "vm.hpp"
#include "vpl011.hpp"

namespace tessera {

namespace {

/// The keyboard mux's view of the VM table.
class VmTargets final : public ConsoleTargets {
public:
    [[nodiscard]] unsigned count() const override { return g_vms.count; }
    [[nodiscard]] const char* name(unsigned vm) const override { return g_vms.vms[vm].name(); }
    [[nodiscard]] const char* state(unsigned vm) const override {
        switch (g_vms.vms[vm].state.load(std::memory_order_acquire)) {
        case VmState::running: return "running";
        case VmState::restarting: return "restarting";
        case VmState::ended: return "ended";
        case VmState::failed: return "failed";
        }
        return "?";
    }
    [[nodiscard]] bool failed(unsigned vm) const override {
        return g_vms.vms[vm].state.load(std::memory_order_acquire) == VmState::failed;
    }
    [[nodiscard]] bool running(unsigned vm) const override {
        return g_vms.vms[vm].state.load(std::memory_order_acquire) == VmState::running;
    }
    bool deliver(unsigned vm, char c) override { return vpl011_input(g_vms.vms[vm], c); }
    ConsoleStream& stream(unsigned vm) override { return g_vms.vms[vm].console; }
    void power_off() override { arch::system_off(); }
    bool restart(unsigned vm) override { return vm_restart_request(g_vms.vms[vm], "the console's (Ctrl-T r)"); }
};

constinit VmTargets g_targets;

} // namespace

TESSERA_BOOT_ONLY void console_rx_start() { console_input_start(g_targets); }

void on_console_rx() {
    char c = 0;
    while (pl011::getc(c)) console_input(c);
}

} // namespace tessera
