// tsrunc-systemd.node: the systemd cgroup driver's D-Bus client, on libsystemd's sd-bus. A
// separate addon from tsrunc.node so that only a container placed by the systemd driver loads
// libsystemd (and its dependencies): every other verb and every cgroupfs container never maps it.
//
// Calls are synchronous (the CLI runs one container; systemd answers within milliseconds) and use
// one connection per address for the life of the process. The TypeScript layer
// (src/cgroups/systemd/dbus.ts) decides everything: the address, the unit, the typed properties.
//
// A property is [name, signature, value], the signature being a D-Bus type (b s t x u i d y q n o
// and arrays/structs of them: "as", "au", "ay", "a(ss)", "a(st)"); the value is the JS
// equivalent (64-bit integers as decimal strings or numbers, arrays as arrays, structs as arrays).
#include <napi.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

const char* const kService = "org.freedesktop.systemd1";
const char* const kPath = "/org/freedesktop/systemd1";
const char* const kManager = "org.freedesktop.systemd1.Manager";

struct Connection {
  sd_bus* bus = nullptr;
  bool busClient = false;
  bool subscribed = false;
};

std::map<std::string, Connection> connections;

// Thrown to JS as Error with .dbusError (the D-Bus error name) and .errno (the errno name, if any).
[[noreturn]] void Throw(Napi::Env env, const std::string& what, int r, const sd_bus_error* e = nullptr) {
  std::string message = what + ": ";
  if (e != nullptr && sd_bus_error_is_set(e)) message += std::string(e->name) + ": " + (e->message ? e->message : "");
  else message += strerror(-r);
  Napi::Error err = Napi::Error::New(env, message);
  if (e != nullptr && sd_bus_error_is_set(e)) err.Set("dbusError", Napi::String::New(env, e->name));
  if (r < 0) err.Set("errnoNumber", Napi::Number::New(env, -r));
  throw err;
}

Connection& Connect(Napi::Env env, const std::string& address, bool busClient) {
  auto it = connections.find(address);
  if (it != connections.end()) {
    // A connection systemd closed (it re-executed) is replaced.
    if (sd_bus_is_open(it->second.bus) > 0) return it->second;
    sd_bus_flush_close_unref(it->second.bus);
    connections.erase(it);
  }
  sd_bus* bus = nullptr;
  int r = sd_bus_new(&bus);
  if (r < 0) Throw(env, "sd_bus_new", r);
  if ((r = sd_bus_set_address(bus, address.c_str())) < 0 || (r = sd_bus_set_bus_client(bus, busClient)) < 0 ||
      (r = sd_bus_start(bus)) < 0) {
    sd_bus_unref(bus);
    Throw(env, "connect to systemd at " + address, r);
  }
  Connection c;
  c.bus = bus;
  c.busClient = busClient;
  return connections[address] = c;
}

void Append(Napi::Env env, sd_bus_message* m, const char*& sig, Napi::Value v);

// The end of the single complete type starting at sig.
const char* TypeEnd(const char* sig) {
  if (*sig == 'a') return TypeEnd(sig + 1);
  if (*sig == '(') {
    const char* p = sig + 1;
    while (*p != ')' && *p != '\0') p = TypeEnd(p);
    return *p == ')' ? p + 1 : p;
  }
  return *sig == '\0' ? sig : sig + 1;
}

uint64_t ToU64(Napi::Env env, Napi::Value v) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>();
    errno = 0;
    char* end = nullptr;
    unsigned long long n = strtoull(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || *end != '\0') throw Napi::TypeError::New(env, "not an unsigned 64-bit integer: " + s);
    return n;
  }
  if (v.IsBigInt()) {
    bool lossless = true;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return static_cast<uint64_t>(v.As<Napi::Number>().DoubleValue());
}

int64_t ToI64(Napi::Env env, Napi::Value v) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>();
    errno = 0;
    char* end = nullptr;
    long long n = strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end == s.c_str() || *end != '\0') throw Napi::TypeError::New(env, "not a 64-bit integer: " + s);
    return n;
  }
  return v.As<Napi::Number>().Int64Value();
}

void Check(Napi::Env env, int r, const char* what) {
  if (r < 0) Throw(env, what, r);
}

void Append(Napi::Env env, sd_bus_message* m, const char*& sig, Napi::Value v) {
  char t = *sig;
  switch (t) {
    case 'b': { int b = v.ToBoolean().Value(); Check(env, sd_bus_message_append_basic(m, t, &b), "append b"); sig++; return; }
    case 's': case 'o': { std::string s = v.ToString(); Check(env, sd_bus_message_append_basic(m, t, s.c_str()), "append s"); sig++; return; }
    case 't': { uint64_t n = ToU64(env, v); Check(env, sd_bus_message_append_basic(m, t, &n), "append t"); sig++; return; }
    case 'x': { int64_t n = ToI64(env, v); Check(env, sd_bus_message_append_basic(m, t, &n), "append x"); sig++; return; }
    case 'u': { uint32_t n = static_cast<uint32_t>(ToU64(env, v)); Check(env, sd_bus_message_append_basic(m, t, &n), "append u"); sig++; return; }
    case 'i': { int32_t n = static_cast<int32_t>(ToI64(env, v)); Check(env, sd_bus_message_append_basic(m, t, &n), "append i"); sig++; return; }
    case 'q': { uint16_t n = static_cast<uint16_t>(ToU64(env, v)); Check(env, sd_bus_message_append_basic(m, t, &n), "append q"); sig++; return; }
    case 'n': { int16_t n = static_cast<int16_t>(ToI64(env, v)); Check(env, sd_bus_message_append_basic(m, t, &n), "append n"); sig++; return; }
    case 'y': { uint8_t n = static_cast<uint8_t>(ToU64(env, v)); Check(env, sd_bus_message_append_basic(m, t, &n), "append y"); sig++; return; }
    case 'd': { double d = v.ToNumber().DoubleValue(); Check(env, sd_bus_message_append_basic(m, t, &d), "append d"); sig++; return; }
    case 'a': {
      const char* elem = sig + 1;
      const char* end = TypeEnd(elem);
      std::string contents(elem, end);
      Check(env, sd_bus_message_open_container(m, 'a', contents.c_str()), "open array");
      if (v.IsBuffer()) {
        auto buf = v.As<Napi::Buffer<uint8_t>>();
        for (size_t i = 0; i < buf.Length(); i++) {
          uint8_t b = buf.Data()[i];
          Check(env, sd_bus_message_append_basic(m, 'y', &b), "append y");
        }
      } else {
        Napi::Array a = v.As<Napi::Array>();
        for (uint32_t i = 0; i < a.Length(); i++) {
          const char* p = elem;
          Append(env, m, p, a.Get(i));
        }
      }
      Check(env, sd_bus_message_close_container(m), "close array");
      sig = end;
      return;
    }
    case '(': {
      const char* end = TypeEnd(sig);
      std::string contents(sig + 1, end - 1);
      Check(env, sd_bus_message_open_container(m, 'r', contents.c_str()), "open struct");
      Napi::Array a = v.As<Napi::Array>();
      const char* p = sig + 1;
      for (uint32_t i = 0; *p != ')'; i++) Append(env, m, p, a.Get(i));
      Check(env, sd_bus_message_close_container(m), "close struct");
      sig = end;
      return;
    }
    default:
      throw Napi::TypeError::New(env, std::string("unsupported D-Bus type ") + t);
  }
}

// a(sv): [name, signature, value] triples.
void AppendProperties(Napi::Env env, sd_bus_message* m, Napi::Array props) {
  Check(env, sd_bus_message_open_container(m, 'a', "(sv)"), "open properties");
  for (uint32_t i = 0; i < props.Length(); i++) {
    Napi::Array p = props.Get(i).As<Napi::Array>();
    std::string name = p.Get(0u).As<Napi::String>();
    std::string sig = p.Get(1u).As<Napi::String>();
    if (TypeEnd(sig.c_str()) != sig.c_str() + sig.size()) throw Napi::TypeError::New(env, "property " + name + ": bad signature " + sig);
    Check(env, sd_bus_message_open_container(m, 'r', "sv"), "open property");
    Check(env, sd_bus_message_append_basic(m, 's', name.c_str()), "append property name");
    Check(env, sd_bus_message_open_container(m, 'v', sig.c_str()), "open variant");
    const char* s = sig.c_str();
    Append(env, m, s, p.Get(2u));
    Check(env, sd_bus_message_close_container(m), "close variant");
    Check(env, sd_bus_message_close_container(m), "close property");
  }
  Check(env, sd_bus_message_close_container(m), "close properties");
}

struct JobWait {
  std::string path;
  std::vector<std::pair<std::string, std::string>> removed;  // job path -> result
};

int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  uint32_t id;
  const char *path, *unit, *result;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) >= 0) {
    static_cast<JobWait*>(userdata)->removed.emplace_back(path, result);
  }
  return 0;
}

uint64_t NowUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Calls Manager.<method> built by `fill`, whose reply is a job path, and waits for that job's
// JobRemoved signal (as runc waits). Returns the job's result ("done", "failed", ...).
template <typename Fill>
std::string CallJob(Napi::Env env, Connection& c, const char* method, const std::string& unit, uint32_t timeoutMs, Fill fill) {
  int r;
  if (c.busClient && !c.subscribed) {
    // On a bus (not systemd's private socket) systemd signals only subscribers.
    sd_bus_error e = SD_BUS_ERROR_NULL;
    r = sd_bus_call_method(c.bus, kService, kPath, kManager, "Subscribe", &e, nullptr, "");
    if (r < 0 && !sd_bus_error_has_name(&e, "org.freedesktop.systemd1.AlreadySubscribed")) {
      std::string what = std::string("Subscribe: ") + (sd_bus_error_is_set(&e) ? e.name : strerror(-r));
      sd_bus_error_free(&e);
      Throw(env, what, r);
    }
    sd_bus_error_free(&e);
    c.subscribed = true;
  }
  JobWait wait;
  sd_bus_slot* slot = nullptr;
  // Before the call: the signal can come before its reply is read.
  r = sd_bus_add_match(c.bus, &slot, "type='signal',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'", OnJobRemoved, &wait);
  if (r < 0) Throw(env, "add JobRemoved match", r);
  sd_bus_message* m = nullptr;
  sd_bus_message* reply = nullptr;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  auto cleanup = [&]() {
    sd_bus_message_unref(m);
    sd_bus_message_unref(reply);
    sd_bus_slot_unref(slot);
    sd_bus_error_free(&e);
  };
  try {
    Check(env, sd_bus_message_new_method_call(c.bus, &m, c.busClient ? kService : nullptr, kPath, kManager, method), "new call");
    fill(m);
    r = sd_bus_call(c.bus, m, static_cast<uint64_t>(timeoutMs) * 1000, &e, &reply);
    if (r < 0) Throw(env, std::string(method) + " " + unit, r, &e);
    const char* job = nullptr;
    Check(env, sd_bus_message_read(reply, "o", &job), "read job path");
    wait.path = job;
    uint64_t deadline = NowUs() + static_cast<uint64_t>(timeoutMs) * 1000;
    for (;;) {
      for (auto& [path, result] : wait.removed) {
        if (path == wait.path) {
          std::string out = result;
          cleanup();
          return out;
        }
      }
      r = sd_bus_process(c.bus, nullptr);
      if (r < 0) Throw(env, std::string("wait for the job of ") + method + " " + unit, r);
      if (r > 0) continue;
      uint64_t now = NowUs();
      if (now >= deadline) {
        cleanup();
        return "timeout";
      }
      r = sd_bus_wait(c.bus, deadline - now);
      if (r < 0) Throw(env, std::string("wait for the job of ") + method + " " + unit, r);
    }
  } catch (...) {
    cleanup();
    throw;
  }
}

// startTransientUnit(address, busClient, unit, properties, timeoutMs) -> job result
Napi::Value StartTransientUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string unit = info[2].As<Napi::String>();
  Napi::Array props = info[3].As<Napi::Array>();
  Connection& c = Connect(env, info[0].As<Napi::String>(), info[1].ToBoolean());
  std::string result = CallJob(env, c, "StartTransientUnit", unit, info[4].As<Napi::Number>().Uint32Value(), [&](sd_bus_message* m) {
    Check(env, sd_bus_message_append(m, "ss", unit.c_str(), "replace"), "append unit");
    AppendProperties(env, m, props);
    Check(env, sd_bus_message_append(m, "a(sa(sv))", 0), "append aux");
  });
  return Napi::String::New(env, result);
}

// stopUnit(address, busClient, unit, timeoutMs) -> job result, or null when systemd has no such unit
Napi::Value StopUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string unit = info[2].As<Napi::String>();
  Connection& c = Connect(env, info[0].As<Napi::String>(), info[1].ToBoolean());
  try {
    std::string result = CallJob(env, c, "StopUnit", unit, info[3].As<Napi::Number>().Uint32Value(), [&](sd_bus_message* m) {
      Check(env, sd_bus_message_append(m, "ss", unit.c_str(), "replace"), "append unit");
    });
    return Napi::String::New(env, result);
  } catch (const Napi::Error& e) {
    Napi::Value name = e.Value().Get("dbusError");
    if (name.IsString() && name.As<Napi::String>().Utf8Value() == "org.freedesktop.systemd1.NoSuchUnit") return env.Null();
    throw;
  }
}

// Calls a Manager method without a job; `fill` appends the arguments.
template <typename Fill>
void CallPlain(Napi::Env env, Connection& c, const char* method, const std::string& unit, Fill fill) {
  sd_bus_message* m = nullptr;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  int r = sd_bus_message_new_method_call(c.bus, &m, c.busClient ? kService : nullptr, kPath, kManager, method);
  if (r < 0) Throw(env, "new call", r);
  try {
    fill(m);
    r = sd_bus_call(c.bus, m, 0, &e, nullptr);
    sd_bus_message_unref(m);
    m = nullptr;
    if (r < 0) Throw(env, std::string(method) + " " + unit, r, &e);
  } catch (...) {
    sd_bus_message_unref(m);
    sd_bus_error_free(&e);
    throw;
  }
  sd_bus_error_free(&e);
}

// resetFailedUnit(address, busClient, unit): false when systemd has no such unit (or it is not failed).
Napi::Value ResetFailedUnit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string unit = info[2].As<Napi::String>();
  Connection& c = Connect(env, info[0].As<Napi::String>(), info[1].ToBoolean());
  try {
    CallPlain(env, c, "ResetFailedUnit", unit, [&](sd_bus_message* m) { Check(env, sd_bus_message_append(m, "s", unit.c_str()), "append unit"); });
  } catch (const Napi::Error& e) {
    Napi::Value name = e.Value().Get("dbusError");
    if (name.IsString() && name.As<Napi::String>().Utf8Value() == "org.freedesktop.systemd1.NoSuchUnit") return Napi::Boolean::New(env, false);
    throw;
  }
  return Napi::Boolean::New(env, true);
}

// setUnitProperties(address, busClient, unit, properties): runtime (not persisted) properties.
Napi::Value SetUnitProperties(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string unit = info[2].As<Napi::String>();
  Napi::Array props = info[3].As<Napi::Array>();
  Connection& c = Connect(env, info[0].As<Napi::String>(), info[1].ToBoolean());
  CallPlain(env, c, "SetUnitProperties", unit, [&](sd_bus_message* m) {
    Check(env, sd_bus_message_append(m, "sb", unit.c_str(), 1), "append unit");
    AppendProperties(env, m, props);
  });
  return env.Undefined();
}

// managerControlGroup(address, busClient): the manager's own cgroup ("/user.slice/user-1000.slice/
// user@1000.service" for a user instance; "/" for the system one): where its units' cgroups live.
Napi::Value ManagerControlGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Connection& c = Connect(env, info[0].As<Napi::String>(), info[1].ToBoolean());
  sd_bus_error e = SD_BUS_ERROR_NULL;
  char* value = nullptr;
  int r = sd_bus_get_property_string(c.bus, c.busClient ? kService : nullptr, kPath, kManager, "ControlGroup", &e, &value);
  if (r < 0) {
    struct Free {
      sd_bus_error* e;
      ~Free() { sd_bus_error_free(e); }
    } guard{&e};
    Throw(env, "get the manager's ControlGroup", r, &e);
  }
  Napi::String out = Napi::String::New(env, value);
  free(value);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("managerControlGroup", Napi::Function::New(env, ManagerControlGroup));
  exports.Set("startTransientUnit", Napi::Function::New(env, StartTransientUnit));
  exports.Set("stopUnit", Napi::Function::New(env, StopUnit));
  exports.Set("resetFailedUnit", Napi::Function::New(env, ResetFailedUnit));
  exports.Set("setUnitProperties", Napi::Function::New(env, SetUnitProperties));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrunc_systemd, Init)
