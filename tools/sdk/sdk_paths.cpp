// sdk_paths.cpp — finding the hypervisor image and the runner beside the `tessera` binary, built or installed.
#include "sdk_paths.hpp"

namespace tessera::sdk {

namespace fs = std::filesystem;

fs::path self_dir(const char* argv0) {
    std::error_code ec;
    // argv[0] is only a name when the shell found the binary in PATH.
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) return exe.parent_path();
    return fs::weakly_canonical(fs::path(argv0)).parent_path();
}

BuildTree this_build_tree() { return {TESSERA_SDK_BUILD_DIR, TESSERA_BUILD_HYPERVISOR, TESSERA_BUILD_RUNNER}; }

namespace {

/// Whether `bin` is the build tree's SDK directory (both resolved, as
/// self_dir() resolves links).
bool in_build_tree(const fs::path& bin, const BuildTree& tree) {
    std::error_code ec;
    return !tree.sdk_dir.empty() && fs::weakly_canonical(bin, ec) == fs::weakly_canonical(tree.sdk_dir, ec);
}

} // namespace

std::vector<fs::path> hypervisor_candidates(const fs::path& bin, const BuildTree& tree) {
    std::vector<fs::path> out;
    if (in_build_tree(bin, tree)) out.push_back(tree.hypervisor);
    out.push_back((bin / "../share/tessera/tessera.bin").lexically_normal());
    out.push_back(bin / "tessera.bin");
    return out;
}

std::vector<fs::path> runner_candidates(const fs::path& bin, const BuildTree& tree) {
    std::vector<fs::path> out;
    if (in_build_tree(bin, tree)) out.push_back(tree.runner);
    out.push_back((bin / "../libexec/tessera/tessera-qemu-run").lexically_normal());
    out.push_back(bin / "tessera-qemu-run");
    return out;
}

std::string first_existing(const std::vector<fs::path>& candidates) {
    for (const fs::path& p : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    return "";
}

std::string not_found(const std::string& what, const std::vector<fs::path>& candidates) {
    std::string out = "no " + what + " found; looked in:";
    for (const fs::path& p : candidates) out += "\n  " + p.string();
    return out;
}

} // namespace tessera::sdk
