// system_pack.cpp — packing the system description and the VMs' parts after the hypervisor, and reading it back.
#include "system_pack.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "board.hpp"
#include "system_image.hpp"
#include "vm_dtb.hpp"

namespace tessera::sdk {

namespace {

using sysimg::Header;
using sysimg::Range;
using sysimg::VmRecord;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint64_t get64(const std::vector<uint8_t>& b, uint64_t at) {
    uint64_t v = 0;
    std::memcpy(&v, b.data() + at, 8);
    return v;
}

void put64(std::vector<uint8_t>& b, uint64_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

/// Checks the arm64 Image header; returns its image_size.
uint64_t image_size_of(const std::vector<uint8_t>& hyp) {
    if (hyp.size() < 64 || std::memcmp(hyp.data() + 56, "ARM\x64", 4) != 0)
        throw std::runtime_error("not an arm64 Image (no ARM\\x64 magic at offset 56)");
    return get64(hyp, sysimg::IMAGE_SIZE_FIELD);
}

/// Appends `data` to `blob` at a page boundary; returns where.
Range append(std::vector<uint8_t>& blob, const std::vector<uint8_t>& data) {
    if (data.empty()) return Range{0, 0};
    blob.resize(align_up(blob.size(), sysimg::ALIGN), 0);
    const Range r{blob.size(), data.size()};
    blob.insert(blob.end(), data.begin(), data.end());
    return r;
}

std::string mib(uint64_t bytes) {
    std::ostringstream s;
    s.precision(bytes >= (10ull << 20) ? 0 : 1);
    s << std::fixed << static_cast<double>(bytes) / (1 << 20) << " MiB";
    return s.str();
}

} // namespace

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> pack_system(const SystemConfig& sys, const std::vector<uint8_t>& hyp) {
    const uint64_t hyp_size = image_size_of(hyp);
    if (get64(hyp, sysimg::IMAGE_RES2_FIELD) != 0) throw std::runtime_error("the hypervisor image is already packed");
    if (hyp_size % sysimg::ALIGN != 0 || hyp_size < hyp.size())
        throw std::runtime_error("the hypervisor's image_size is not page aligned or smaller than its file");

    const size_t records = sizeof(Header) + sys.vms.size() * sizeof(VmRecord);
    std::vector<uint8_t> blob(records, 0);
    std::vector<VmRecord> recs(sys.vms.size());
    for (size_t i = 0; i < sys.vms.size(); ++i) {
        const VmConfig& vm = sys.vms[i];
        VmRecord& r = recs[i];
        std::memset(&r, 0, sizeof r);
        std::strncpy(r.name, vm.name.c_str(), sizeof r.name - 1);
        std::vector<uint8_t> cores(vm.cores.begin(), vm.cores.end());
        r.cores = append(blob, cores);
        if (vm.is_linux) {
            const std::vector<uint8_t> initrd = vm.initrd.empty() ? std::vector<uint8_t>{} : read_file(vm.initrd);
            LinuxVmSpec spec{vm.name, vm.base, vm.memory, vm.vcpus, vm.bootargs, initrd.size()};
            std::vector<uint8_t> dtb;
            try {
                dtb = build_vm_dtb(spec);
            } catch (const std::invalid_argument& e) {
                throw std::runtime_error("vm '" + vm.name + "': " + e.what());
            }
            r.image = append(blob, read_file(vm.kernel));
            r.initrd = append(blob, initrd);
            r.dtb = append(blob, dtb);
        } else {
            r.image = append(blob, read_file(vm.image));
            if (r.image.size > vm.memory)
                throw std::runtime_error("vm '" + vm.name + "': its image is larger than its memory");
        }
        r.ram_ipa = vm.base;
        r.ram_size = vm.memory;
        r.budget_us = vm.budget_us;
        r.period_us = vm.period_us;
        r.vcpu_count = static_cast<uint16_t>(vm.vcpus);
        r.priority = static_cast<uint8_t>(vm.priority);
        r.devices = vm.devices;
    }
    blob.resize(align_up(blob.size(), sysimg::ALIGN), 0);
    std::memcpy(blob.data() + sizeof(Header), recs.data(), recs.size() * sizeof(VmRecord));
    Header h{};
    h.magic = sysimg::MAGIC;
    h.version = sysimg::VERSION;
    h.vm_count = static_cast<uint32_t>(sys.vms.size());
    h.total_size = blob.size();
    h.header_size = sizeof h;
    h.hyp_size = hyp_size;
    h.board_cores = sys.cores;
    h.board_memory = sys.memory;
    h.crc32 = sysimg::blob_crc(blob.data(), h); // the header goes in below; the CRC takes it from h
    std::memcpy(blob.data(), &h, sizeof h);

    std::vector<uint8_t> image = hyp;
    image.resize(hyp_size, 0); // bss, stacks and boot pool: zero in the file, so the blob lands after them
    image.insert(image.end(), blob.begin(), blob.end());
    put64(image, sysimg::IMAGE_SIZE_FIELD, hyp_size + blob.size());
    put64(image, sysimg::IMAGE_RES2_FIELD, hyp_size);
    return image;
}

sysimg::Header packed_header(const std::vector<uint8_t>& image, uint64_t& at) {
    (void)image_size_of(image);
    at = get64(image, sysimg::IMAGE_RES2_FIELD);
    if (at == 0) throw std::runtime_error("a hypervisor image with no packed system");
    if (at + sizeof(Header) > image.size())
        throw std::runtime_error("truncated: no system description where the header says");
    Header h{};
    std::memcpy(&h, image.data() + at, sizeof h);
    if (h.magic != sysimg::MAGIC) throw std::runtime_error("no system description magic at the packed offset");
    if (h.version != sysimg::VERSION) throw std::runtime_error("a description format this SDK does not read");
    if (at + h.total_size > image.size()) throw std::runtime_error("truncated: the description is cut short");
    if (sysimg::blob_crc(image.data() + at, h) != h.crc32)
        throw std::runtime_error("CRC-32 mismatch: the description is corrupt");
    return h;
}

std::string inspect_image(const std::vector<uint8_t>& image) {
    uint64_t at = 0;
    const Header h = packed_header(image, at);
    const uint64_t size = image_size_of(image);
    const uint8_t* blob = image.data() + at;

    std::ostringstream out;
    out << "image: " << image.size() << " bytes (" << mib(image.size()) << "), loads as " << size << " bytes\n";
    out << "  hypervisor         0x" << std::hex << 0 << std::dec << "  " << at
        << " bytes (code and data, then its bss, stacks and boot pool)\n";
    out << "  system description 0x" << std::hex << at << std::dec << "  " << h.total_size << " bytes, CRC-32 0x"
        << std::hex << h.crc32 << std::dec << "\n";
    out << "board: " << h.board_cores << " cores, " << mib(h.board_memory) << "\n";
    out << "vms: " << h.vm_count << "\n";
    for (uint32_t i = 0; i < h.vm_count; ++i) {
        VmRecord r{};
        std::memcpy(&r, blob + sizeof h + i * sizeof r, sizeof r);
        out << "  " << r.name << ": " << mib(r.ram_size) << " at IPA 0x" << std::hex << r.ram_ipa << std::dec << ", "
            << r.vcpu_count << " vCPU" << (r.vcpu_count == 1 ? "" : "s") << " on core";
        std::string cores;
        for (uint16_t k = 0; k < r.vcpu_count && k < 16; ++k)
            cores += (k ? "," : " ") + std::to_string(blob[r.cores.offset + k]);
        if (r.vcpu_count > 16) cores += ",...";
        out << cores << ", priority " << unsigned(r.priority);
        if (r.budget_us != 0) out << ", budget " << r.budget_us << " us per " << r.period_us << " us";
        for (unsigned k = 0; k < board::DEVICE_COUNT; ++k) {
            if ((r.devices & (1u << k)) != 0) out << ", owns " << board::DEVICES[k].name;
        }
        out << "\n    " << (r.dtb.size != 0 ? "kernel" : "image ") << " " << r.image.size << " bytes";
        if (r.initrd.size != 0) out << ", initrd " << r.initrd.size << " bytes";
        if (r.dtb.size != 0) out << ", device tree " << r.dtb.size << " bytes";
        out << "\n";
    }
    return out.str();
}

} // namespace tessera::sdk
