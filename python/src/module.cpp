// _parley: the native half of `import parley`. It exposes the core's id helpers, the protocol
// validator, the scenario validator, the simulator (one forked child per run) and the local engine;
// the pure-Python package builds on it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "forked_run.hpp"
#include "local_run.hpp"
#include "parley/conversation.hpp"
#include "parley/protocol.hpp"
#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"
#include "parley/snowflake.hpp"

namespace py = pybind11;

namespace {

py::dict snowflake_decode(std::uint64_t id) {
  const auto parts = parley::snowflake::decode(id);
  py::dict d;
  d["unix_ms"] = parts.unix_ms;
  d["node"] = parts.node;
  d["sequence"] = parts.sequence;
  return d;
}

std::uint64_t snowflake_compose(std::uint64_t unix_ms, std::uint64_t node, std::uint64_t sequence) {
  if (unix_ms < parley::snowflake::epoch_ms || node > parley::snowflake::node_max ||
      sequence > parley::snowflake::sequence_max ||
      unix_ms - parley::snowflake::epoch_ms > parley::snowflake::timestamp_max) {
    throw py::value_error("snowflake parts out of range: unix_ms >= epoch, node <= 1023, sequence <= 8191");
  }
  return parley::snowflake::compose(unix_ms - parley::snowflake::epoch_ms, node, sequence);
}

template <class T>
T value_or_raise(parley::Result<T> result) {
  if (!result.ok()) {
    throw py::value_error(std::string(parley::to_string(result.error().code)) + ": " +
                          result.error().message);
  }
  return result.value();
}

std::string validate_frame(const std::string& text) {
  auto frame = value_or_raise(parley::protocol::decode_client(text));
  return std::string(parley::protocol::op_name(frame));
}

py::dict run_local(const parley::sim::LocalRunConfig& config) {
  parley::sim::LocalRunSummary summary;
  {
    py::gil_scoped_release release;
    summary = parley::sim::run_local(config);
  }
  py::dict d;
  d["sends"] = summary.sends;
  d["acks"] = summary.acks;
  d["expected_deliveries"] = summary.expected_deliveries;
  d["delivered"] = summary.delivered;
  d["duplicates"] = summary.duplicates;
  d["out_of_order"] = summary.out_of_order;
  d["missing"] = summary.missing;
  d["errors"] = summary.errors;
  d["groups_created"] = summary.groups_created;
  d["simulated_ms"] = summary.simulated_ms;
  d["passed"] = summary.passed();
  return d;
}

// (true, canonical YAML) or (false, the parser's diagnostics, one `where: field: what` a line).
py::tuple check_scenario(const std::string& yaml, const std::string& source,
                         const std::vector<std::string>& overrides) {
  auto parsed = parley::scenario::parse_string(yaml, source, overrides);
  if (!parsed.ok()) return py::make_tuple(false, parsed.error().message);
  return py::make_tuple(true, parley::scenario::to_yaml(parsed.value()));
}

py::dict simulate(const parley::sim::SimRunOptions& options, const py::object& progress) {
  const auto outcome = parley::python::run_forked(options, progress);
  py::dict d;
  d["exit_code"] = outcome.exit_code;
  d["signal"] = outcome.signal;
  d["log"] = outcome.log;
  return d;
}

void bind_simulator(py::module_& m) {
  using parley::sim::SimRunOptions;
  py::class_<SimRunOptions>(m, "SimRunOptions")
      .def(py::init<>())
      .def_readwrite("scenario_path", &SimRunOptions::scenario_path)
      .def_readwrite("overrides", &SimRunOptions::overrides)
      .def_readwrite("seed", &SimRunOptions::seed)
      .def_readwrite("out_dir", &SimRunOptions::out_dir)
      .def_readwrite("sample_users", &SimRunOptions::sample_users)
      .def_readwrite("traced_per_s", &SimRunOptions::traced_per_s)
      .def_readwrite("sample_gateways", &SimRunOptions::sample_gateways)
      .def_readwrite("calibration_path", &SimRunOptions::calibration_path)
      .def_readwrite("cost_overrides", &SimRunOptions::cost_overrides)
      .def_readwrite("checker", &SimRunOptions::checker)
      .def_readwrite("grace_s", &SimRunOptions::grace_s)
      .def_readwrite("command_line", &SimRunOptions::command_line);
  m.def("check_scenario", &check_scenario, py::arg("yaml"), py::arg("source"), py::arg("overrides"),
        "Parse and validate a scenario: (True, canonical YAML) or (False, diagnostics).");
  m.def("simulate", &simulate, py::arg("options"), py::arg("progress") = py::none(),
        "Run `parley-sim run` in a forked child (GIL released while waiting); returns "
        "{exit_code, signal, log}. progress(simulated_s, total_s) is called as the run advances.");
}

}  // namespace

PYBIND11_MODULE(_parley, m) {
  m.doc() = "parley core bindings (ids, protocol validation, the local simulation engine)";
  m.attr("SNOWFLAKE_EPOCH_MS") = parley::snowflake::epoch_ms;
  m.def("snowflake_decode", &snowflake_decode, py::arg("id"));
  m.def("snowflake_compose", &snowflake_compose, py::arg("unix_ms"), py::arg("node"), py::arg("sequence"));
  m.def("direct_conversation", [](std::uint64_t a, std::uint64_t b) {
    return value_or_raise(parley::direct_conversation(parley::UserId{a}, parley::UserId{b})).value;
  }, py::arg("a"), py::arg("b"));
  m.def("group_conversation", [](std::uint64_t g) {
    return value_or_raise(parley::group_conversation(parley::GroupId{g})).value;
  }, py::arg("group"));
  m.def("validate_frame", &validate_frame, py::arg("text"),
        "Decode a client frame; returns its op name or raises ValueError('<code>: <message>').");

  py::class_<parley::sim::LocalRunConfig>(m, "LocalRunConfig")
      .def(py::init<>())
      .def_readwrite("seed", &parley::sim::LocalRunConfig::seed)
      .def_readwrite("users", &parley::sim::LocalRunConfig::users)
      .def_readwrite("devices_per_user", &parley::sim::LocalRunConfig::devices_per_user)
      .def_readwrite("groups", &parley::sim::LocalRunConfig::groups)
      .def_readwrite("group_size", &parley::sim::LocalRunConfig::group_size)
      .def_readwrite("messages_per_user_per_s", &parley::sim::LocalRunConfig::messages_per_user_per_s)
      .def_readwrite("group_share", &parley::sim::LocalRunConfig::group_share)
      .def_readwrite("duration_ms", &parley::sim::LocalRunConfig::duration_ms);
  m.def("run_local", &run_local, py::arg("config"),
        "Run the local engine (GIL released) and return its summary as a dict.");
  bind_simulator(m);
}
