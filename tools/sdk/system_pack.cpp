// system_pack.cpp — packing the system description and the VMs' parts after the hypervisor, and reading it back.
#include "system_pack.hpp"

#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <zlib.h>

#include "arm64_image.hpp"
#include "board.hpp"
#include "checked_range.hpp"
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

/// Checks the hypervisor's arm64 Image header; returns its image_size.
uint64_t image_size_of(const std::vector<uint8_t>& hyp) {
    Arm64Header h;
    if (const std::string why = read_arm64_header(hyp.data(), hyp.size(), h); !why.empty())
        throw std::runtime_error(why);
    return h.image_size;
}

/// The description being built: room for its header and records, then each
/// distinct blob once, at a page boundary.
class Payload {
public:
    explicit Payload(size_t records) : bytes_(records, 0) {}

    /// Where `data` is in the description: the range of identical bytes
    /// added before, or else a new copy. Sharing is safe because the
    /// hypervisor maps the description read-only and copies each VM's parts
    /// out of it (at boot and at every restart).
    Range add(const std::vector<uint8_t>& data) {
        if (data.empty()) return Range{0, 0};
        const auto [first, last] = by_size_.equal_range(data.size());
        for (auto it = first; it != last; ++it) {
            if (std::memcmp(bytes_.data() + it->second, data.data(), data.size()) == 0)
                return Range{it->second, data.size()};
        }
        bytes_.resize(align_up(bytes_.size(), sysimg::ALIGN), 0);
        const Range r{bytes_.size(), data.size()};
        bytes_.insert(bytes_.end(), data.begin(), data.end());
        by_size_.emplace(r.size, r.offset);
        return r;
    }

    std::vector<uint8_t>& bytes() { return bytes_; }

private:
    std::vector<uint8_t> bytes_;
    std::multimap<uint64_t, uint64_t> by_size_; ///< size -> offset of each blob stored
};

std::string mib(uint64_t bytes) {
    std::ostringstream s;
    s.precision(bytes >= (10ull << 20) ? 0 : 1);
    s << std::fixed << static_cast<double>(bytes) / (1 << 20) << " MiB";
    return s.str();
}

} // namespace

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot read " + path);
    // One read of the whole file: a byte-wise stream iterator takes seconds
    // over a 30 MB kernel.
    std::vector<uint8_t> bytes(static_cast<size_t>(in.tellg()));
    in.seekg(0);
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
        throw std::runtime_error("cannot read " + path);
    return bytes;
}

uint32_t crc32_of(uint32_t crc, const uint8_t* data, uint64_t size) {
    return static_cast<uint32_t>(crc32_z(crc, data, size));
}

namespace {

/// The parts a manifest covers: the description's header and records, then
/// every blob a VM record names, each once, by offset.
std::vector<Range> signed_parts(uint64_t records_end, const std::vector<VmRecord>& recs) {
    std::map<uint64_t, uint64_t> blobs;
    for (const VmRecord& r : recs) {
        for (const Range& b : {r.image, r.initrd, r.dtb, r.cores, r.flash}) {
            if (b.size != 0) blobs.emplace(b.offset, b.size);
        }
    }
    std::vector<Range> parts{{0, records_end}};
    for (const auto& [offset, size] : blobs) parts.push_back({offset, size});
    return parts;
}

/// A part's digest. The description's own part is hashed with its CRC field
/// taken as 0: the CRC only catches accidents, and keeping it out lets a
/// changed blob be named as itself even when the CRC was made to match.
Digest part_digest(const uint8_t* blob, const Range& part) {
    if (part.offset != 0 || part.size < sizeof(Header)) return sha256(blob + part.offset, part.size);
    std::vector<uint8_t> copy(blob, blob + part.size);
    std::memset(copy.data() + offsetof(Header, crc32), 0, sizeof(uint32_t));
    return sha256(copy.data(), copy.size());
}

/// The digest the signature covers: SHA-256 of the manifest's header and parts.
Digest manifest_digest(const uint8_t* manifest, uint32_t parts) {
    return sha256(manifest, sizeof(sysimg::ManifestHeader) + parts * sizeof(sysimg::ManifestPart));
}

} // namespace

std::vector<uint8_t> pack_system(const SystemConfig& sys, const std::vector<uint8_t>& hyp,
                                 std::vector<ConfigError>& errors, const Signer* signer) {
    const uint64_t hyp_size = image_size_of(hyp);
    if (get64(hyp, sysimg::IMAGE_RES2_FIELD) != 0) throw std::runtime_error("the hypervisor image is already packed");
    if (hyp_size % sysimg::ALIGN != 0 || hyp_size < hyp.size())
        throw std::runtime_error("the hypervisor's image_size is not page aligned or smaller than its file");

    const size_t errors_before = errors.size();
    auto fail = [&](int line, const VmConfig& vm, const std::string& message) {
        errors.push_back({sys.file, line, "vm '" + vm.name + "': " + message});
    };
    // A file checked when the system file was read may be gone or unreadable now.
    auto load = [&](const std::string& path, int line, const VmConfig& vm, const char* what) {
        try {
            return read_file(path);
        } catch (const std::runtime_error&) {
            fail(line, vm, std::string("cannot read its ") + what + " " + path);
            return std::vector<uint8_t>{};
        }
    };

    Payload payload(sizeof(Header) + sys.vms.size() * sizeof(VmRecord) +
                    sys.channels.size() * sizeof(sysimg::ChannelRecord));
    std::vector<VmRecord> recs(sys.vms.size());
    for (size_t i = 0; i < sys.vms.size(); ++i) {
        const VmConfig& vm = sys.vms[i];
        VmRecord& r = recs[i];
        std::memset(&r, 0, sizeof r);
        std::strncpy(r.name, vm.name.c_str(), sizeof r.name - 1);
        r.cores = payload.add(std::vector<uint8_t>(vm.cores.begin(), vm.cores.end()));
        if (vm.is_linux) {
            const std::vector<uint8_t> kernel = load(vm.kernel, vm.image_line, vm, "kernel");
            const std::vector<uint8_t> initrd =
                vm.initrd.empty() ? std::vector<uint8_t>{} : load(vm.initrd, vm.initrd_line, vm, "initrd");
            LinuxVmSpec spec{vm.name,
                             vm.base,
                             vm.memory,
                             vm.vcpus,
                             vm.bootargs,
                             initrd.size(),
                             sys.virtio_devices(static_cast<unsigned>(i))};
            std::vector<uint8_t> dtb;
            try {
                dtb = build_vm_dtb(spec);
            } catch (const std::exception& e) {
                fail(vm.memory_line, vm, std::string("its device tree: ") + e.what());
            }
            r.image = payload.add(kernel);
            r.initrd = payload.add(initrd);
            r.dtb = payload.add(dtb);
        } else {
            const std::vector<uint8_t> image = load(vm.image, vm.image_line, vm, "image");
            const uint64_t offset = vm.device_tree ? tessera::vplat::FIRMWARE_IMAGE_OFFSET : 0;
            if (image.size() + offset > vm.memory) {
                fail(vm.memory_line, vm,
                     size_text(vm.memory) + " of memory is too small for its image of " +
                         count_of(image.size(), "byte") + (vm.device_tree ? " after its device tree" : ""));
            }
            r.image = payload.add(image);
            if (vm.device_tree) {
                // The tree a Linux VM of this shape gets, without a command line.
                LinuxVmSpec spec{
                    vm.name, vm.base, vm.memory, vm.vcpus, "", 0, sys.virtio_devices(static_cast<unsigned>(i))};
                try {
                    r.dtb = payload.add(build_vm_dtb(spec));
                } catch (const std::exception& e) {
                    fail(vm.memory_line, vm, std::string("its device tree: ") + e.what());
                }
                r.flags |= sysimg::VM_FIRMWARE_DT;
            }
        }
        if (vm.mte) r.flags |= sysimg::VM_MTE;
        if (vm.scrub_eager) r.flags |= sysimg::VM_SCRUB_EAGER;
        if (vm.flash_size != 0) {
            r.flash_ipa = vm.flash_base;
            r.flash_size = vm.flash_size;
            if (!vm.flash_image.empty()) r.flash = payload.add(load(vm.flash_image, vm.flash_line, vm, "flash image"));
            if (vm.flash_writable) r.flags |= sysimg::VM_FLASH_WRITABLE;
        }
        r.ram_ipa = vm.base;
        r.ram_size = vm.memory;
        r.budget_us = vm.budget_us;
        r.period_us = vm.period_us;
        r.vcpu_count = static_cast<uint16_t>(vm.vcpus);
        r.priority = static_cast<uint8_t>(vm.priority);
        r.sve_vq = static_cast<uint8_t>(vm.sve_bits / 128);
        r.devices = vm.devices;
        r.on_failure = vm.on_failure;
        r.partner = static_cast<uint16_t>(vm.partner);
        if (vm.is_standby) r.flags |= sysimg::VM_STANDBY;
        r.max_restarts = vm.max_restarts;
        r.restart_window_ms = vm.restart_window_ms;
        r.restart_backoff_ms = vm.restart_backoff_ms;
    }
    if (errors.size() != errors_before) return {};

    std::vector<uint8_t>& blob = payload.bytes();
    blob.resize(align_up(blob.size(), sysimg::ALIGN), 0);
    std::memcpy(blob.data() + sizeof(Header), recs.data(), recs.size() * sizeof(VmRecord));
    for (size_t i = 0; i < sys.channels.size(); ++i) {
        const ChannelConfig& ch = sys.channels[i];
        sysimg::ChannelRecord c{};
        std::strncpy(c.name, ch.name.c_str(), sizeof c.name - 1);
        c.size = ch.size;
        c.vm[0] = static_cast<uint16_t>(ch.vm[0]);
        c.vm[1] = static_cast<uint16_t>(ch.vm[1]);
        c.kind = ch.record_kind();
        std::memcpy(blob.data() + sizeof(Header) + recs.size() * sizeof(VmRecord) + i * sizeof c, &c, sizeof c);
    }
    Header h{};
    h.magic = sysimg::MAGIC;
    h.version = sysimg::VERSION;
    h.vm_count = static_cast<uint32_t>(sys.vms.size());
    h.total_size = blob.size();
    h.header_size = sizeof h;
    h.hyp_size = hyp_size;
    h.board_cores = sys.cores;
    h.board_memory = sys.memory;
    h.channel_count = static_cast<uint32_t>(sys.channels.size());
    const std::vector<Range> parts = signed_parts(
        sizeof h + recs.size() * sizeof(VmRecord) + sys.channels.size() * sizeof(sysimg::ChannelRecord), recs);
    h.manifest_size = signer != nullptr ? sysimg::manifest_bytes(parts.size()) : 0;
    h.crc32 = sysimg::blob_crc(blob.data(), h, crc32_of); // the header goes in below; the CRC takes it from h
    std::memcpy(blob.data(), &h, sizeof h);

    // The manifest: every part's digest, the security version and the
    // signer's key, signed (ECDSA P-256 over SHA-256 of all that).
    std::vector<uint8_t> manifest(h.manifest_size, 0);
    if (signer != nullptr) {
        sysimg::ManifestHeader m{};
        m.magic = sysimg::MANIFEST_MAGIC;
        m.part_count = static_cast<uint32_t>(parts.size());
        m.security_version = signer->security_version;
        m.scheme = sysimg::SIG_ECDSA_P256_SHA256;
        std::memcpy(m.public_key, signer->key.public_key().data(), sizeof m.public_key);
        std::memcpy(manifest.data(), &m, sizeof m);
        for (size_t i = 0; i < parts.size(); ++i) {
            sysimg::ManifestPart p{parts[i].offset, parts[i].size, {}};
            const Digest d = part_digest(blob.data(), parts[i]);
            std::memcpy(p.sha256, d.data(), d.size());
            std::memcpy(manifest.data() + sizeof m + i * sizeof p, &p, sizeof p);
        }
        const Signature sig = signer->key.sign(manifest_digest(manifest.data(), m.part_count));
        std::memcpy(manifest.data() + manifest.size() - sig.size(), sig.data(), sig.size());
    }

    std::vector<uint8_t> image = hyp;
    image.resize(hyp_size, 0); // bss, stacks and boot pool: zero in the file, so the blob lands after them
    image.insert(image.end(), blob.begin(), blob.end());
    image.insert(image.end(), manifest.begin(), manifest.end());
    put64(image, sysimg::IMAGE_SIZE_FIELD, hyp_size + blob.size() + manifest.size());
    put64(image, sysimg::IMAGE_RES2_FIELD, hyp_size);
    return image;
}

sysimg::Header packed_header(const std::vector<uint8_t>& image, uint64_t& at) {
    (void)image_size_of(image);
    at = get64(image, sysimg::IMAGE_RES2_FIELD);
    if (at == 0) throw std::runtime_error("a hypervisor image with no packed system");
    // (Every bound is checked as a difference: a hostile image's numbers must not wrap a sum.)
    if (!fits_within(at, sizeof(Header), image.size()))
        throw std::runtime_error("truncated: no system description where the header says");
    Header h{};
    std::memcpy(&h, image.data() + at, sizeof h);
    if (h.magic != sysimg::MAGIC) throw std::runtime_error("no system description magic at the packed offset");
    if (h.version != sysimg::VERSION) throw std::runtime_error("a description format this SDK does not read");
    if (h.total_size < sizeof h || h.header_size != sizeof h)
        throw std::runtime_error("a description header that does not add up");
    if (!fits_within(at, h.total_size, image.size()))
        throw std::runtime_error("truncated: the description is cut short");
    if (sysimg::blob_crc(image.data() + at, h, crc32_of) != h.crc32)
        throw std::runtime_error("CRC-32 mismatch: the description is corrupt");
    return h;
}

namespace {

/// The signature part of inspect: checks the manifest after the description
/// (bounds, the signature with the key it names, every part's digest) and
/// describes it. Throws std::runtime_error at the first thing that fails.
std::string inspect_signature(const std::vector<uint8_t>& image, uint64_t at, const Header& h,
                              const PublicKey* signer) {
    if (h.manifest_size == 0) {
        if (signer != nullptr) throw std::runtime_error("unsigned: the image has no signature");
        return "signature: none (UNSIGNED - development only)\n";
    }
    const uint64_t m_at = at + h.total_size;
    if (h.manifest_size < sysimg::manifest_bytes(1) || !fits_within(m_at, h.manifest_size, image.size()))
        throw std::runtime_error("a manifest that does not fit the image");
    const uint8_t* m = image.data() + m_at;
    sysimg::ManifestHeader mh{};
    std::memcpy(&mh, m, sizeof mh);
    if (mh.magic != sysimg::MANIFEST_MAGIC || mh.scheme != sysimg::SIG_ECDSA_P256_SHA256 || mh.part_count == 0 ||
        mh.part_count > sysimg::MANIFEST_MAX_PARTS || sysimg::manifest_bytes(mh.part_count) != h.manifest_size)
        throw std::runtime_error("a manifest this SDK does not read");
    PublicKey key{};
    std::memcpy(key.data(), mh.public_key, key.size());
    Signature sig{};
    std::memcpy(sig.data(), m + h.manifest_size - sig.size(), sig.size());
    if (!verify(key, manifest_digest(m, mh.part_count), sig))
        throw std::runtime_error("the signature does not verify: the manifest was changed after signing");
    if (signer != nullptr && *signer != key)
        throw std::runtime_error("signed by another key (fingerprint " + fingerprint(key) + ")");
    std::ostringstream out;
    out << "signature: ECDSA P-256, valid; key fingerprint " << fingerprint(key) << "; security version "
        << mh.security_version << "\n";
    for (uint32_t i = 0; i < mh.part_count; ++i) {
        sysimg::ManifestPart p{};
        std::memcpy(&p, m + sizeof mh + i * sizeof p, sizeof p);
        if (!fits_within(p.offset, p.size, h.total_size))
            throw std::runtime_error("a signed part outside the description");
        const Digest d = part_digest(image.data() + at, Range{p.offset, p.size});
        if (std::memcmp(d.data(), p.sha256, d.size()) != 0) {
            std::ostringstream why;
            why << "the part at 0x" << std::hex << p.offset << std::dec << " (" << p.size
                << " bytes) does not match its signed digest";
            throw std::runtime_error(why.str());
        }
        out << "  part 0x" << std::hex << p.offset << std::dec << ", " << p.size << " bytes, SHA-256 "
            << hex(p.sha256, sizeof p.sha256) << "\n";
    }
    return out.str();
}

} // namespace

std::string inspect_image(const std::vector<uint8_t>& image, const PublicKey* signer) {
    uint64_t at = 0;
    const Header h = packed_header(image, at);
    const uint64_t size = image_size_of(image);
    const uint8_t* blob = image.data() + at;
    auto inside = [&](const Range& r) { return fits_within(r.offset, r.size, h.total_size); };

    if (h.vm_count > (h.total_size - sizeof h) / sizeof(VmRecord))
        throw std::runtime_error("more VM records than the description holds");
    std::vector<VmRecord> recs(h.vm_count);
    for (uint32_t i = 0; i < h.vm_count; ++i) {
        std::memcpy(&recs[i], blob + sizeof h + i * sizeof(VmRecord), sizeof(VmRecord));
        const VmRecord& r = recs[i];
        if (!inside(r.image) || !inside(r.initrd) || !inside(r.dtb) || !inside(r.cores) || !inside(r.flash) ||
            r.cores.size < r.vcpu_count)
            throw std::runtime_error("a VM record points outside the description");
        recs[i].name[sizeof r.name - 1] = 0;
    }

    // Blobs stored once for several VMs: who has each first, and the bytes
    // the sharing saves (the cores lists, a few bytes each, go unmentioned).
    std::map<uint64_t, std::string> first_user;
    uint64_t saved = 0;
    auto shared = [&](const Range& r, const char* owner) -> std::string {
        if (r.size == 0) return "";
        const auto [it, first] = first_user.emplace(r.offset, owner);
        if (first) return "";
        saved += r.size;
        return " (shared with " + it->second + ")";
    };
    std::vector<std::string> parts(h.vm_count);
    for (uint32_t i = 0; i < h.vm_count; ++i) {
        const VmRecord& r = recs[i];
        std::ostringstream p;
        const bool kernel = r.dtb.size != 0 && (r.flags & sysimg::VM_FIRMWARE_DT) == 0;
        p << (kernel ? "kernel" : "image ") << " " << r.image.size << " bytes" << shared(r.image, r.name);
        if (r.initrd.size != 0) p << ", initrd " << r.initrd.size << " bytes" << shared(r.initrd, r.name);
        if (r.dtb.size != 0) p << ", device tree " << r.dtb.size << " bytes" << shared(r.dtb, r.name);
        if (r.flash_size != 0) {
            p << ", flash " << mib(r.flash_size) << " at 0x" << std::hex << r.flash_ipa << std::dec
              << ((r.flags & sysimg::VM_FLASH_WRITABLE) != 0 ? " (writable)" : " (read-only)");
            if (r.flash.size != 0) p << " from " << r.flash.size << " bytes" << shared(r.flash, r.name);
        }
        parts[i] = p.str();
    }

    std::ostringstream out;
    out << "image: " << image.size() << " bytes (" << mib(image.size()) << "), loads as " << size << " bytes\n";
    out << "  hypervisor         0x" << std::hex << 0 << std::dec << "  " << at
        << " bytes (code and data, then its bss, stacks and boot pool)\n";
    out << "  system description 0x" << std::hex << at << std::dec << "  " << h.total_size << " bytes, CRC-32 0x"
        << std::hex << h.crc32 << std::dec;
    if (saved != 0) out << "; blobs shared between VMs are stored once (" << saved << " bytes saved)";
    out << "\n";
    out << "board: " << count_of(h.board_cores, "core") << ", " << mib(h.board_memory) << "\n";
    out << "vms: " << h.vm_count << "\n";
    for (uint32_t i = 0; i < h.vm_count; ++i) {
        const VmRecord& r = recs[i];
        out << "  " << r.name << ": " << mib(r.ram_size) << " at IPA 0x" << std::hex << r.ram_ipa << std::dec << ", "
            << count_of(r.vcpu_count, "vCPU") << (r.vcpu_count == 1 ? " on core" : " on cores");
        std::string cores;
        for (uint16_t k = 0; k < r.vcpu_count && k < 16; ++k)
            cores += (k ? "," : " ") + std::to_string(blob[r.cores.offset + k]);
        if (r.vcpu_count > 16) cores += ",...";
        out << cores << ", priority " << unsigned(r.priority);
        if (r.sve_vq != 0) out << ", SVE " << 128u * r.sve_vq << "-bit";
        if ((r.flags & sysimg::VM_MTE) != 0) out << ", MTE";
        if ((r.flags & sysimg::VM_SCRUB_EAGER) != 0) out << ", RAM scrubbed before it runs";
        if (r.budget_us != 0) out << ", budget " << r.budget_us << " us per " << r.period_us << " us";
        if (r.on_failure == sysimg::FAILURE_RESTART)
            out << ", restarted on failure (at most " << r.max_restarts << " in " << r.restart_window_ms / 1000
                << " s, back-off " << r.restart_backoff_ms << " ms)";
        if (r.on_failure == sysimg::FAILURE_FAILOVER && r.partner != 0 && r.partner <= h.vm_count)
            out << ((r.flags & sysimg::VM_STANDBY) != 0 ? ", standby of " : ", fails over to ")
                << recs[r.partner - 1].name << " (then restarted: at most " << r.max_restarts << " in "
                << r.restart_window_ms / 1000 << " s)";
        for (unsigned k = 0; k < board::DEVICE_COUNT; ++k) {
            if ((r.devices & (1u << k)) != 0) out << ", owns " << board::DEVICES[k].name;
        }
        out << "\n    " << parts[i] << "\n";
    }
    const uint64_t channels_at = sizeof h + uint64_t{h.vm_count} * sizeof(VmRecord);
    if (h.channel_count > (h.total_size - channels_at) / sizeof(sysimg::ChannelRecord))
        throw std::runtime_error("more channel records than the description holds");
    if (h.channel_count != 0) out << "channels: " << h.channel_count << "\n";
    for (uint32_t i = 0; i < h.channel_count; ++i) {
        sysimg::ChannelRecord c{};
        std::memcpy(&c, blob + channels_at + i * sizeof c, sizeof c);
        c.name[sizeof c.name - 1] = 0;
        if (c.vm[0] >= h.vm_count || c.vm[1] >= h.vm_count)
            throw std::runtime_error("a channel record names a VM the description does not have");
        out << "  " << c.name << ": " << recs[c.vm[0]].name << " <-> " << recs[c.vm[1]].name << ", ";
        if (c.kind == sysimg::CHANNEL_VIRTIO_NET) {
            char mac[24];
            std::snprintf(mac, sizeof mac, "02:74:73:00:%02x", i);
            out << "virtio-net (MAC " << mac << ":01 <-> " << mac << ":02)\n";
        } else if (c.kind == sysimg::CHANNEL_VIRTIO_CONSOLE) {
            out << "virtio-console, served through " << c.size / 1024 << " KiB at IPA 0x" << std::hex
                << tessera::vplat::CHANNEL_BASE + i * tessera::vplat::CHANNEL_SLOT << std::dec << " in "
                << recs[c.vm[1]].name << "\n";
        } else {
            out << c.size / 1024 << " KiB at IPA 0x" << std::hex
                << tessera::vplat::CHANNEL_BASE + i * tessera::vplat::CHANNEL_SLOT << std::dec << ", raw\n";
        }
    }
    out << inspect_signature(image, at, h, signer);
    return out.str();
}

} // namespace tessera::sdk
