// sdk_paths.hpp — where `tessera` finds the hypervisor image and the QEMU runner: its build tree, or where it is
// installed.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tessera::sdk {

/// The directory of the running `tessera` binary (symbolic links resolved,
/// so a link in PATH still leads to its installation); `argv0`'s when the
/// system cannot say.
std::filesystem::path self_dir(const char* argv0);

/// Where this SDK was built, as CMake configured it.
struct BuildTree {
    std::filesystem::path sdk_dir;    ///< the directory the tessera binary is built in
    std::filesystem::path hypervisor; ///< the target build's tessera.bin
    std::filesystem::path runner;     ///< the built tessera-qemu-run
};

/// The build tree this binary was configured in (compiled in).
BuildTree this_build_tree();

/// Where the generic hypervisor image (tessera.bin) may be, in the order to
/// look: when `bin` is the build tree's SDK directory, the target build's
/// image; then an installation's (bin/../share/tessera); then beside `bin`.
/// An installed `tessera` never takes the build tree's image.
std::vector<std::filesystem::path> hypervisor_candidates(const std::filesystem::path& bin, const BuildTree& tree);

/// Where the QEMU runner (tessera-qemu-run) may be, likewise: the build
/// tree's, an installation's (bin/../libexec/tessera), then beside `bin`.
std::vector<std::filesystem::path> runner_candidates(const std::filesystem::path& bin, const BuildTree& tree);

/// The first of `candidates` that is a regular file; "" if none is.
std::string first_existing(const std::vector<std::filesystem::path>& candidates);

/// "no WHAT found; looked in:" and each candidate on a line of its own, for
/// the error when first_existing() finds none.
std::string not_found(const std::string& what, const std::vector<std::filesystem::path>& candidates);

} // namespace tessera::sdk
