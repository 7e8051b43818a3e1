// depfile.hpp — a Make dependency file for an image, so `make run` re-packs only when an input changed.
#pragma once

#include <string>
#include <vector>

namespace tessera::sdk {

/// The text of a Make depfile: `target` depends on every one of
/// `prerequisites`, each of which also gets an empty rule of its own (as
/// gcc -MP does) so that a file that is gone makes Make rebuild the target
/// rather than stop. Spaces, '#' and '$' in names are escaped for Make.
std::string make_depfile(const std::string& target, const std::vector<std::string>& prerequisites);

} // namespace tessera::sdk
