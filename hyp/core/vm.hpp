// vm.hpp — a virtual machine (partition) and its virtual CPUs.
#pragma once

#include "addr.hpp"
#include "console.hpp"
#include "pgtable.hpp"
#include "system_desc.hpp"
#include "vcpu_context.hpp"

namespace tessera {

struct Vm;

enum class VcpuState : u8 { off, runnable, stopped };

/// A virtual CPU: a scheduled entity on one physical core's run queue.
struct Vcpu {
    arch::VcpuContext ctx;
    Vm* vm = nullptr;
    Vcpu* next = nullptr; ///< run-queue link
    u64 abort_vector = 0; ///< guest PC of the last injected abort's vector, 0 if none
    u16 index = 0;        ///< vCPU number within its VM
    u8 core = 0;          ///< physical core it runs on
    VcpuState state = VcpuState::off;
};

enum class VmState : u8 { running, ended, failed };

struct Vm {
    const VmDesc* desc = nullptr;
    Stage2Table stage2;
    IpaRange ram{};
    PhysAddr ram_pa{};
    Vcpu* vcpus = nullptr;
    LineBuffer console;
    u16 id = 0;
    u16 vmid = 0;
    VmState state = VmState::running;
    u64 exit_code = 0;

    [[nodiscard]] const char* name() const { return desc->name; }
};

/// All VMs of the system, created at boot from g_system.
struct VmTable {
    Vm* vms = nullptr;
    u16 count = 0;
};
extern VmTable g_vms;

/// Why a VM stopped, for the log line and the final verdict.
enum class StopReason : u8 { poweroff, exit_code, fault, unhandled_trap, last_cpu_off };

/// Ends `vm`: marks it and every vCPU stopped and logs `why`. A VM that powered
/// off or exited with code 0 ended cleanly; anything else failed. When this
/// was the last running VM the machine powers off. Safe to call from any core.
void vm_stop(Vm& vm, StopReason reason, u64 code, const char* why);

/// Creates every VM of `sys`: memory, stage-2 tables, images, vCPUs.
/// Runs once on the boot core; panics (with the VM's name) if the board lacks
/// the memory the description asks for.
void vms_create(const SystemDesc& sys, PageAllocator& alloc);

} // namespace tessera
