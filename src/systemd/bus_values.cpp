#include "bus_values.hpp"

#include <map>
#include <memory>
#include <stdexcept>

namespace hb {
namespace {

using ExecRead = sdbus::Struct<std::string, std::vector<std::string>, bool, uint64_t, uint64_t,
                               uint64_t, uint64_t, uint32_t, int32_t, int32_t>;
using ExecExRead =
    sdbus::Struct<std::string, std::vector<std::string>, std::vector<std::string>, uint64_t,
                  uint64_t, uint64_t, uint64_t, uint32_t, int32_t, int32_t>;
using ExecExWrite = sdbus::Struct<std::string, std::vector<std::string>, std::vector<std::string>>;
using IpRaw = sdbus::Struct<int32_t, std::vector<uint8_t>, uint32_t>;
using BindRaw = sdbus::Struct<std::string, std::string, bool, uint64_t>;
using PairRaw = sdbus::Struct<std::string, std::string>;
using StringBoolRaw = sdbus::Struct<std::string, bool>;
using NameListRaw = sdbus::Struct<bool, std::vector<std::string>>;

template <class T>
std::optional<PropertyValue> plain(const sdbus::Variant& v) {
  return PropertyValue{v.get<T>()};
}

}  // namespace

std::optional<PropertyValue> from_variant(const sdbus::Variant& v, const std::string& signature) {
  if (signature == kAnySignature) {
    return PropertyValue{OpaqueValue{v.peekValueType(), "", std::make_shared<sdbus::Variant>(v)}};
  }
  if (v.peekValueType() != signature) return std::nullopt;
  if (signature == "b") return plain<bool>(v);
  if (signature == "s") return plain<std::string>(v);
  if (signature == "t") return plain<uint64_t>(v);
  if (signature == "u") return plain<uint32_t>(v);
  if (signature == "i") return plain<int32_t>(v);
  if (signature == "x") return plain<int64_t>(v);
  if (signature == "as") return plain<std::vector<std::string>>(v);
  if (signature == "(bas)") {
    auto raw = v.get<NameListRaw>();
    return PropertyValue{NameList{std::get<0>(raw), std::get<1>(raw)}};
  }
  if (signature == "a(iayu)") {
    std::vector<IpPrefix> out;
    for (const auto& r : v.get<std::vector<IpRaw>>()) {
      out.push_back({std::get<0>(r), std::get<1>(r), std::get<2>(r)});
    }
    return PropertyValue{out};
  }
  if (signature == "a(ss)") {
    StringPairs out;
    for (const auto& r : v.get<std::vector<PairRaw>>())
      out.emplace_back(std::get<0>(r), std::get<1>(r));
    return PropertyValue{out};
  }
  if (signature == "a(sb)") {
    StringBools out;
    for (const auto& r : v.get<std::vector<StringBoolRaw>>()) {
      out.emplace_back(std::get<0>(r), std::get<1>(r));
    }
    return PropertyValue{out};
  }
  if (signature == "a(ssbt)") {
    std::vector<BindPath> out;
    for (const auto& r : v.get<std::vector<BindRaw>>()) {
      out.push_back({std::get<0>(r), std::get<1>(r), std::get<2>(r), std::get<3>(r)});
    }
    return PropertyValue{out};
  }
  if (signature == "a(sasbttttuii)") {  // ExecStart: ignore-failure flag only
    std::vector<ExecCommand> out;
    for (const auto& r : v.get<std::vector<ExecRead>>()) {
      std::vector<std::string> flags;
      if (std::get<2>(r)) flags.push_back("ignore-failure");
      out.push_back({std::get<0>(r), std::get<1>(r), flags});
    }
    return PropertyValue{out};
  }
  if (signature == "a(sasasttttuii)") {  // ExecStartEx: all prefixes as flags
    std::vector<ExecCommand> out;
    for (const auto& r : v.get<std::vector<ExecExRead>>()) {
      out.push_back({std::get<0>(r), std::get<1>(r), std::get<2>(r)});
    }
    return PropertyValue{out};
  }
  return std::nullopt;
}

sdbus::Variant to_variant(const PropertyValue& value) {
  return std::visit(
      [](const auto& v) -> sdbus::Variant {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, NameList>) {
          return sdbus::Variant(NameListRaw{v.allow, v.names});
        } else if constexpr (std::is_same_v<T, std::vector<IpPrefix>>) {
          std::vector<IpRaw> raw;
          for (const auto& p : v) raw.emplace_back(p.family, p.address, p.prefix_length);
          return sdbus::Variant(raw);
        } else if constexpr (std::is_same_v<T, StringPairs>) {
          std::vector<PairRaw> raw;
          for (const auto& [a, b] : v) raw.emplace_back(a, b);
          return sdbus::Variant(raw);
        } else if constexpr (std::is_same_v<T, StringBools>) {
          std::vector<StringBoolRaw> raw;
          for (const auto& [a, b] : v) raw.emplace_back(a, b);
          return sdbus::Variant(raw);
        } else if constexpr (std::is_same_v<T, std::vector<ExecCommand>>) {
          std::vector<ExecExWrite> raw;
          for (const auto& c : v) raw.emplace_back(c.path, c.argv, c.flags);
          return sdbus::Variant(raw);
        } else if constexpr (std::is_same_v<T, OpaqueValue>) {
          if (!v.wire) throw std::logic_error("opaque value without its wire form: " + v.text);
          return *std::static_pointer_cast<const sdbus::Variant>(v.wire);
        } else if constexpr (std::is_same_v<T, std::vector<BindPath>>) {
          std::vector<BindRaw> raw;
          for (const auto& b : v)
            raw.emplace_back(b.source, b.destination, b.ignore_missing, b.flags);
          return sdbus::Variant(raw);
        } else {
          return sdbus::Variant(v);
        }
      },
      value);
}

}  // namespace hb
