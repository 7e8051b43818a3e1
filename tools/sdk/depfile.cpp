// depfile.cpp — writing a Make dependency file with every name escaped as Make reads it.
#include "depfile.hpp"

namespace tessera::sdk {

namespace {

/// `name` as Make reads it in a rule: '$' doubled, space and '#' after a backslash.
std::string escaped(const std::string& name) {
    std::string out;
    for (char ch : name) {
        if (ch == '$')
            out += "$$";
        else if (ch == ' ' || ch == '#')
            out.append(1, '\\').append(1, ch);
        else
            out += ch;
    }
    return out;
}

} // namespace

std::string make_depfile(const std::string& target, const std::vector<std::string>& prerequisites) {
    std::string out = escaped(target) + ":";
    for (const auto& p : prerequisites) out += " \\\n  " + escaped(p);
    out += "\n";
    for (const auto& p : prerequisites) out += "\n" + escaped(p) + ":\n";
    return out;
}

} // namespace tessera::sdk
