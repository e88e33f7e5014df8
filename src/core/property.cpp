#include "harden_bisect/property.hpp"

#include <sstream>

namespace hb {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang < 17 lacks aggregate deduction

std::string join(const std::vector<std::string>& items, const char* sep = " ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::string ip_to_string(const IpPrefix& p) {
  std::ostringstream out;
  if (p.address.size() == 4) {
    for (std::size_t i = 0; i < 4; ++i) out << (i ? "." : "") << int(p.address[i]);
  } else {
    for (std::size_t i = 0; i + 1 < p.address.size(); i += 2) {
      out << (i ? ":" : "") << std::hex << ((p.address[i] << 8) | p.address[i + 1]) << std::dec;
    }
  }
  out << "/" << p.prefix_length;
  return out.str();
}

}  // namespace

const char* signature_of(const PropertyValue& value) {
  static constexpr const char* kSignatures[] = {"b",        "s",       "t",       "u",     "i",
                                                "as",       "(bas)",   "a(iayu)", "a(ss)", "a(sb)",
                                                "a(sasas)", "a(ssbt)", "x"};
  static_assert(std::size(kSignatures) + 1 == std::variant_size_v<PropertyValue>);
  if (auto* opaque = std::get_if<OpaqueValue>(&value)) return opaque->signature.c_str();
  return kSignatures[value.index()];
}

std::string to_string(const PropertyValue& value) {
  return std::visit(
      Overloaded{
          [](bool b) -> std::string { return b ? "yes" : "no"; },
          [](const std::string& s) { return s; },
          [](uint64_t t) { return std::to_string(t); },
          [](uint32_t u) { return std::to_string(u); },
          [](int32_t i) { return std::to_string(i); },
          [](int64_t x) { return std::to_string(x); },
          [](const std::vector<std::string>& v) { return join(v); },
          [](const NameList& l) { return (l.allow ? "" : "~") + join(l.names); },
          [](const std::vector<IpPrefix>& v) {
            std::vector<std::string> parts;
            for (const auto& p : v) parts.push_back(ip_to_string(p));
            return join(parts);
          },
          [](const StringPairs& v) {
            std::vector<std::string> parts;
            for (const auto& [a, b] : v) parts.push_back(a + ":" + b);
            return join(parts);
          },
          [](const StringBools& v) {
            std::vector<std::string> parts;
            for (const auto& [s, b] : v) parts.push_back((b ? "-" : "") + s);
            return join(parts);
          },
          [](const std::vector<ExecCommand>& v) {
            std::vector<std::string> parts;
            for (const auto& c : v) parts.push_back("{" + c.path + " " + join(c.argv) + "}");
            return join(parts, "; ");
          },
          [](const OpaqueValue& o) { return o.text; },
          [](const std::vector<BindPath>& v) {
            std::vector<std::string> parts;
            for (const auto& b : v) {
              parts.push_back((b.ignore_missing ? "-" : "") + b.source + ":" + b.destination);
            }
            return join(parts);
          },
      },
      value);
}

}  // namespace hb
