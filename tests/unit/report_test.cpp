// Report writers: golden files for the drop-in, JSON, JUnit and summary of one sample run, plus
// the properties each format must keep whatever the evidence contains.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "harden_bisect/report_writers.hpp"

namespace {

using namespace std::chrono_literals;
using hb::Assignment;
using hb::VerdictKind;

hb::Verdict verdict(VerdictKind kind, std::string summary, std::chrono::milliseconds duration) {
  hb::Verdict v;
  v.kind = kind;
  v.evidence.summary = std::move(summary);
  v.duration = duration;
  return v;
}

hb::KeptOption kept(std::string id, std::string group, std::string rung, std::string key,
                    std::string value, std::string why) {
  return {std::move(id),
          std::move(group),
          std::move(rung),
          {{std::move(key), std::move(value)}},
          std::move(why)};
}

hb::KeptOption dropped_cap(const std::string& cap) {
  return kept("CapabilityBoundingSet=~" + cap, "capabilities", "drop", "CapabilityBoundingSet",
              "~" + cap, "the service never needs " + cap);
}

// A run with every kind of row: kept options in scrambled group order (plus an unknown group),
// rejected rungs of every verdict, evidence with newlines, control bytes and markup.
hb::RunReport sample_report() {
  hb::RunReport r;
  r.unit = "demo.service";
  r.tool_version = "0.1.0";
  r.confirmed = true;
  r.duration = 72'345ms;
  r.before.tenths = 96;
  r.after.tenths = 21;

  r.kept = {
      kept("ProtectSystem", "filesystem", "full", "ProtectSystem", "full",
           "mount /usr, /boot and /etc read-only"),
      dropped_cap("CAP_SYS_ADMIN"),
      kept("SystemCallFilter=~@mount", "syscalls", "deny", "SystemCallFilter", "~@mount",
           "no mount(2) and friends"),
      kept("DynamicUser", "identity", "yes", "DynamicUser", "yes",
           "run as a transient user that owns no files"),
      dropped_cap("CAP_NET_RAW"),
      kept("Nice", "local-extras", "5", "Nice", "5", "site policy: be polite"),
      kept("PrivateTmp", "filesystem", "yes", "PrivateTmp", "yes", "private /tmp and /var/tmp"),
      dropped_cap("CAP_SYS_PTRACE"),
      kept("RestrictAddressFamilies", "network", "inet", "RestrictAddressFamilies",
           "AF_INET AF_INET6 AF_UNIX", "only IP and unix sockets"),
      kept("CapabilityBoundingSet=~CAP_SYS_TIME", "capabilities", "drop", "CapabilityBoundingSet",
           "~CAP_SYS_TIME", "the service never needs CAP_SYS_TIME"),
  };

  hb::RejectedOption strict{"ProtectSystem",
                            "filesystem",
                            "strict",
                            {{"ProtectSystem", "strict"}},
                            verdict(VerdictKind::kFail,
                                    "probe exited 1: mkdir: cannot create /etc/x: Read-only file "
                                    "system",
                                    412ms),
                            "fails alone"};
  strict.verdict.evidence.probe_exit_status = 1;
  strict.verdict.evidence.probe_output_tail =
      "creating state\nmkdir: cannot create /etc/x: Read-only file system\n";
  strict.verdict.evidence.unit_result = "success";
  strict.verdict.evidence.journal = {"demo[42]: starting", "demo[42]: <ready> & waiting"};

  hb::RejectedOption deny{
      "IPAddressDeny",
      "network",
      "any",
      {{"IPAddressDeny", "any"}},
      verdict(VerdictKind::kHang, "probe hung (no answer within 5000 ms)", 5'104ms),
      "fails alone"};

  hb::RejectedOption bind{
      "CapabilityBoundingSet=~CAP_NET_BIND_SERVICE",
      "capabilities",
      "drop",
      {{"CapabilityBoundingSet", "~CAP_NET_BIND_SERVICE"}},
      verdict(VerdictKind::kStartFailed,
              "copy stopped right after start: Result=exit-code, status=1", 230ms),
      "fails alone"};
  bind.verdict.evidence.unit_result = "exit-code";
  bind.verdict.evidence.exec_main_code = 1;
  bind.verdict.evidence.exec_main_status = 1;
  bind.verdict.evidence.journal = {"demo[7]: bind(0.0.0.0:80): Permission denied"};

  // A probe that prints a multi-line message, control bytes and markup as its last line.
  hb::RejectedOption mdwe{"MemoryDenyWriteExecute",
                          "process",
                          "yes",
                          {{"MemoryDenyWriteExecute", "yes"}},
                          verdict(VerdictKind::kFail,
                                  "probe exited 2: JIT failed\n  mmap(PROT_EXEC): EPERM\r\n\t"
                                  "\x1b[31m<fatal> \"a\" & 'b'\x1b[0m\n",
                                  198ms),
                          "conflicts with SystemCallFilter=@system-service"};
  mdwe.verdict.evidence.probe_exit_status = 2;
  mdwe.verdict.evidence.probe_output_tail = "JIT failed\n<fatal> \"a\" & 'b' ]]>\n";

  hb::RejectedOption devices{
      "PrivateDevices",
      "devices",
      "yes",
      {{"PrivateDevices", "yes"}},
      verdict(VerdictKind::kUnsupported, "systemd rejected the settings: " + std::string(200, 'x'),
              3ms),
      "fails alone"};

  r.rejected = {strict, deny, bind, mdwe, devices};
  r.skipped = {{"ProtectClock", "already set"}, {"ProtectKernelLogs", "unknown to this systemd"}};

  r.trials = {
      {1, {}, verdict(VerdictKind::kPass, "probe passed", 310ms)},
      {2,
       {"ProtectSystem=strict", "PrivateTmp=yes", "DynamicUser=yes"},
       verdict(VerdictKind::kFail, "probe exited 1: mkdir: cannot create /etc/x", 412ms)},
      {3, {"IPAddressDeny=any"}, deny.verdict},
  };
  return r;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// tests/fixtures/report/<name>. __FILE__ is the path meson compiled us with, relative to the
// build dir that `meson test` runs in; when the binary is run from elsewhere, fall back to the
// source data dir meson defines for everyone.
std::filesystem::path golden_path(const std::string& name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "../fixtures/report" / name;
#ifdef HB_SOURCE_DATADIR
  if (path.is_relative() && !std::filesystem::exists(path.parent_path())) {
    path = std::filesystem::path(HB_SOURCE_DATADIR) / "../tests/fixtures/report" / name;
  }
#endif
  return path;
}

// Compares `actual` with the golden file `name`; HB_UPDATE_GOLDEN=1 rewrites the file.
void check_golden(const std::string& name, const std::string& actual) {
  const auto path = golden_path(name);
  if (const char* update = std::getenv("HB_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(path, std::ios::binary) << actual;
  }
  REQUIRE_MESSAGE(std::filesystem::exists(path), "missing golden file " << path.string());
  const auto expected = read_file(path);
  if (expected == actual) return;
  // Point at the first differing line; the whole file would drown the message.
  std::istringstream e(expected), a(actual);
  std::string el, al;
  int line = 1;
  while (std::getline(e, el) && std::getline(a, al) && el == al) ++line;
  FAIL_CHECK(name << " differs at line " << line << "\nexpected: " << el << "\nactual:   " << al
                  << "\n(HB_UPDATE_GOLDEN=1 rewrites the golden file)");
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, std::string_view prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix)) out.push_back(line);
  return out;
}

std::size_t count(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// A small XML 1.0 well-formedness check (tags balance, attributes quoted, every '&' a known
// reference, no '<' in text or attributes, no forbidden control characters); enough for the
// writer's output, which uses no comments, CDATA or DTD. Returns "" or the first problem.
std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  const auto reference_ok = [&](std::size_t at) {
    for (std::string_view ref : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
      if (xml.compare(at, ref.size(), ref) == 0) return true;
    if (xml.compare(at, 2, "&#") != 0) return false;
    auto end = xml.find(';', at);
    return end != std::string::npos && end > at + 2 &&
           xml.find_first_not_of("0123456789", at + 2) == end;
  };
  const auto char_ok = [&](std::size_t at) {
    const auto c = static_cast<unsigned char>(xml[at]);
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
  };
  if (!xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")) return "no XML declaration";
  i = xml.find('\n') + 1;
  while (i < xml.size()) {
    if (!char_ok(i)) return "control character at " + std::to_string(i);
    if (xml[i] == '&') {
      if (!reference_ok(i)) return "bad reference at " + std::to_string(i);
      ++i;
    } else if (xml[i] != '<') {
      ++i;
    } else if (xml.compare(i, 2, "</") == 0) {
      const auto end = xml.find('>', i);
      const auto name = xml.substr(i + 2, end - i - 2);
      if (open.empty() || open.back() != name) return "unbalanced </" + name + ">";
      open.pop_back();
      i = end + 1;
    } else {
      auto j = xml.find_first_of(" />", i + 1);
      const auto name = xml.substr(i + 1, j - i - 1);
      if (name.empty()) return "empty tag name at " + std::to_string(i);
      for (;;) {  // attributes: name="value"
        while (xml[j] == ' ') ++j;
        if (xml[j] == '>' || xml.compare(j, 2, "/>") == 0) break;
        const auto eq = xml.find('=', j);
        if (eq == std::string::npos || xml[eq + 1] != '"') return "unquoted attribute in " + name;
        j = eq + 2;
        for (; j < xml.size() && xml[j] != '"'; ++j) {
          if (xml[j] == '<' || !char_ok(j)) return "bad character in attribute of " + name;
          if (xml[j] == '&' && !reference_ok(j)) return "bad reference in attribute of " + name;
        }
        if (j++ >= xml.size()) return "unterminated attribute in " + name;
      }
      if (xml[j] == '>') {
        open.push_back(name);
        i = j + 1;
      } else {
        i = j + 2;
      }
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("verdict kinds have stable lower-case names") {
    CHECK(std::string(hb::to_string(VerdictKind::kPass)) == "pass");
    CHECK(std::string(hb::to_string(VerdictKind::kFail)) == "fail");
    CHECK(std::string(hb::to_string(VerdictKind::kHang)) == "hang");
    CHECK(std::string(hb::to_string(VerdictKind::kStartFailed)) == "start-failed");
    CHECK(std::string(hb::to_string(VerdictKind::kUnsupported)) == "unsupported");
  }

  TEST_CASE("drop-in of a sample run matches the golden file") {
    const auto dropin =
        hb::render_dropin_file(sample_report(), {{"/usr/lib/probes/http-ok :8080"}, "", ""});
    check_golden("sample.conf", dropin);
  }

  TEST_CASE("drop-in comments stay single lines of bounded length whatever the evidence holds") {
    auto report = sample_report();
    report.rejected[0].verdict.evidence.summary = "a\nb\r\nc\\\n[Service]\nExecStart=/bin/evil";
    const auto dropin = hb::render_dropin_file(report, {{"probe\nExecStart=/x"}, "", ""});
    std::istringstream in(dropin);
    for (std::string line; std::getline(in, line);) {
      INFO(line);
      const bool comment = line.starts_with("# ");
      CHECK((line.empty() || comment || line == "[Service]" || line.find('=') != line.npos));
      CHECK_FALSE(line.starts_with("ExecStart"));
      if (comment) CHECK(line.size() <= 2 + 160 * 3);  // 160 columns, at most 3 bytes each
    }
    CHECK(lines_starting(dropin, "[").size() == 1);
    CHECK(dropin.find("a b c\\ [Service] ExecStart=/bin/evil") != std::string::npos);
  }

  TEST_CASE("drop-in writes one line and one comment for all dropped capabilities") {
    const auto dropin = hb::render_dropin_file(sample_report(), hb::DropinHeader{});
    CHECK(lines_starting(dropin, "CapabilityBoundingSet=").size() == 1);
    CHECK(lines_starting(dropin, "# Drops the capabilities").size() == 1);
    CHECK(dropin.find("never needs") == std::string::npos);
  }

  TEST_CASE("drop-in of a run that kept nothing still has a [Service] section") {
    auto report = sample_report();
    report.kept.clear();
    const auto dropin = hb::render_dropin_file(report, hb::DropinHeader{});
    CHECK(dropin.find("[Service]\n\n# Nothing kept") != std::string::npos);
  }

  TEST_CASE("JSON report parses back with exact field values") {
    const auto text = hb::render_json(sample_report());
    check_golden("sample.json", text);
    const auto j = nlohmann::json::parse(text);
    CHECK(j["unit"] == "demo.service");
    CHECK(j["tool_version"] == "0.1.0");
    CHECK(j["confirmed"] == true);
    CHECK(j["duration_ms"] == 72345);
    CHECK(j["trial_count"] == 3);
    CHECK(j["exposure"]["before"] ==
          nlohmann::json{{"score", "9.6"}, {"tenths", 96}, {"level", "UNSAFE"}});
    CHECK(j["exposure"]["after"] ==
          nlohmann::json{{"score", "2.1"}, {"tenths", 21}, {"level", "OK"}});

    REQUIRE(j["kept"].size() == 10);
    CHECK(j["kept"][0] == nlohmann::json{{"id", "ProtectSystem"},
                                         {"group", "filesystem"},
                                         {"rung", "full"},
                                         {"settings", {"ProtectSystem=full"}},
                                         {"repairs", nlohmann::json::array()},
                                         {"why", "mount /usr, /boot and /etc read-only"}});

    REQUIRE(j["rejected"].size() == 5);
    const auto& strict = j["rejected"][0];
    CHECK(strict["id"] == "ProtectSystem");
    CHECK(strict["settings"] == nlohmann::json{"ProtectSystem=strict"});
    CHECK(strict["verdict"] == "fail");
    CHECK(strict["why"] == "fails alone");
    CHECK(strict["duration_ms"] == 412);
    CHECK(strict["evidence"]["summary"] ==
          "probe exited 1: mkdir: cannot create /etc/x: Read-only file system");
    CHECK(strict["evidence"]["probe_exit_status"] == 1);
    CHECK(strict["evidence"]["probe_output_tail"] ==
          "creating state\nmkdir: cannot create /etc/x: Read-only file system\n");
    CHECK(strict["evidence"]["unit_result"] == "success");
    CHECK(strict["evidence"]["journal"] ==
          nlohmann::json{"demo[42]: starting", "demo[42]: <ready> & waiting"});
    CHECK(j["rejected"][1]["verdict"] == "hang");
    CHECK(j["rejected"][1]["evidence"]["probe_exit_status"].is_null());
    CHECK(j["rejected"][2]["verdict"] == "start-failed");
    CHECK(j["rejected"][2]["evidence"]["exec_main_code"] == 1);
    CHECK(j["rejected"][2]["evidence"]["exec_main_status"] == 1);
    CHECK(j["rejected"][4]["verdict"] == "unsupported");

    CHECK(j["skipped"] == nlohmann::json::parse(R"([{"id":"ProtectClock","reason":"already set"},
        {"id":"ProtectKernelLogs","reason":"unknown to this systemd"}])"));
    REQUIRE(j["trials"].size() == 3);
    CHECK(j["trials"][1] ==
          nlohmann::json{
              {"number", 2},
              {"candidates", {"ProtectSystem=strict", "PrivateTmp=yes", "DynamicUser=yes"}},
              {"verdict", "fail"},
              {"summary", "probe exited 1: mkdir: cannot create /etc/x"},
              {"duration_ms", 412}});
  }

  TEST_CASE("JSON report survives output that is not UTF-8") {
    auto report = sample_report();
    report.rejected[0].verdict.evidence.probe_output_tail = "bad \xff\xfe bytes \xc3";
    const auto j = nlohmann::json::parse(hb::render_json(report));
    CHECK(j["rejected"][0]["evidence"]["probe_output_tail"] ==
          "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes \xEF\xBF\xBD");
  }

  TEST_CASE("JUnit report of one run: one passing testcase, options listed in system-out") {
    const auto xml = hb::render_junit(sample_report());
    check_golden("sample.junit.xml", xml);
    CHECK(xml_problem(xml) == "");
    CHECK(count(xml, "<testcase ") == 1);
    // Rejected options are the normal result of hardening, never failures.
    CHECK(count(xml, "<failure") == 0);
    CHECK(count(xml, "<skipped") == 0);
    CHECK(xml.find("<testsuite name=\"harden-bisect\" tests=\"1\" failures=\"0\" errors=\"0\" "
                   "skipped=\"0\" time=\"72.345\">") != std::string::npos);
    CHECK(xml.find("rejected (5; the service needs these off):") != std::string::npos);
    CHECK(xml.find("kept (10):") != std::string::npos);
  }

  TEST_CASE("JUnit report escapes markup, quotes and control characters") {
    auto report = sample_report();
    report.unit = "a<b>&\"c'.service";
    report.rejected[0].verdict.evidence.summary = "<x> & \"y\" 'z'\n\x01\x1b";
    const auto xml = hb::render_junit(report);
    CHECK(xml_problem(xml) == "");
    CHECK(xml.find("name=\"a&lt;b&gt;&amp;&quot;c&apos;.service\"") != std::string::npos);
    CHECK(xml.find("&lt;x&gt; &amp; \"y\" 'z'") != std::string::npos);
  }

  TEST_CASE("trial line has a fixed layout without a tty") {
    hb::TrialRecord trial{7, {"ProtectSystem=strict"}, verdict(VerdictKind::kFail, "", 412ms)};
    trial.candidates.resize(12, "PrivateTmp=yes");
    trial.verdict.evidence.summary =
        "probe exited 1: curl: (7) Failed to connect to 127.0.0.1 port 80";
    std::ostringstream out;
    hb::print_trial_line(out, trial, false);
    CHECK(out.str() ==
          "trial  7  12 options  ProtectSystem=strict, +11 more  FAIL          "
          "probe exited 1: curl: (7) Failed to con…  412 ms\n");

    hb::TrialRecord baseline{1, {}, verdict(VerdictKind::kPass, "probe passed", 2'345ms)};
    std::ostringstream out2;
    hb::print_trial_line(out2, baseline, false);
    CHECK(out2.str() ==
          "trial  1   0 options  (none)                          PASS          probe passed  2.3 "
          "s\n");
  }

  TEST_CASE("trial line colours only the verdict on a tty") {
    hb::TrialRecord trial{
        3, {"IPAddressDeny=any"}, verdict(VerdictKind::kHang, "probe hung", 5'000ms)};
    std::ostringstream plain, tty;
    hb::print_trial_line(plain, trial, false);
    hb::print_trial_line(tty, trial, true);
    CHECK(tty.str().find("\x1b[33mHANG\x1b[0m") != std::string::npos);
    CHECK(count(tty.str(), "\x1b[") == 2);
    auto stripped = tty.str();
    stripped.erase(stripped.find("\x1b[33m"), 5);
    stripped.erase(stripped.find("\x1b[0m"), 4);
    CHECK(stripped == plain.str());
  }

  TEST_CASE("summary of a sample run matches the golden file and fits 100 columns") {
    std::ostringstream out;
    hb::print_summary(out, sample_report(), false);
    check_golden("sample-summary.txt", out.str());
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) {
      INFO(line);
      std::size_t columns = 0;
      for (unsigned char c : line) columns += (c & 0xC0) != 0x80;
      CHECK(columns <= 100);
    }
  }
}
