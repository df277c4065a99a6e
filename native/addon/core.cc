// The native core's decisions (native/core/core.h) for the TypeScript side: the same code the
// front-end runs, so that a container's status, a signal's name and a pid's identity are decided
// once, whichever process asks.
//   isSameLiveProcess(pid, startTime) -> boolean   the recorded process, alive (src/process/proc.ts)
//   parseSignal(text) -> number                    -1: not a signal (src/process/signals.ts)
//   containerStatus(pid, startTime, fifo, cgroupJson?) -> 'created'|'running'|'paused'|'stopped'
//   cgroupFrozen(cgroupJson) -> boolean            (src/cgroups/frozen.ts)
//   processStartTime(pid) -> string | null         /proc/<pid>/stat field 22 (src/process/proc.ts)
//   cgroupSignalAll(dir, signal)                   v2 signalAll; throws the errno of cgroup.kill (src/cgroups/v2/manager.ts)
//   writeLogLine(level, msg, format, logPath)      runc's log line, to --log or stderr (src/cli/log.ts)
#include <napi.h>

#include "cgroups.h"
#include "core.h"
#include "errors.h"
#include "proc_stat.h"

namespace {

Napi::Value IsSameLiveProcess(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tsrunc::isSameLiveProcess(info[0].As<Napi::Number>().Int64Value(), info[1].As<Napi::String>()));
}

Napi::Value ParseSignal(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tsrunc::parseSignal(info[0].As<Napi::String>()));
}

Napi::Value ContainerStatus(const Napi::CallbackInfo& info) {
  tsrunc::json cgroup;
  const bool hasCgroup = info.Length() > 3 && info[3].IsString();
  if (hasCgroup) cgroup = tsrunc::json::parse(info[3].As<Napi::String>().Utf8Value());
  std::string status = tsrunc::containerStatus(info[0].As<Napi::Number>().Int64Value(), info[1].As<Napi::String>(),
                                               info[2].As<Napi::String>(), hasCgroup ? &cgroup : nullptr);
  return Napi::String::New(info.Env(), status);
}

Napi::Value CgroupFrozen(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tsrunc::cgroupFrozen(tsrunc::json::parse(info[0].As<Napi::String>().Utf8Value())));
}

Napi::Value ProcessStartTime(const Napi::CallbackInfo& info) {
  tsrunc::ProcStat st;
  if (!tsrunc::readProcStat(info[0].As<Napi::Number>().Int64Value(), st)) return info.Env().Null();
  return Napi::String::New(info.Env(), st.startTime);
}

void CgroupSignalAll(const Napi::CallbackInfo& info) {
  const std::string dir = info[0].As<Napi::String>();
  const int err = tsrunc::cgroups::signalAllV2(dir, info[1].As<Napi::Number>().Int32Value());
  if (err != 0) ThrowErrno(info.Env(), err, "write", dir + "/cgroup.kill");
}

Napi::Value WriteLogLine(const Napi::CallbackInfo& info) {
  tsrunc::writeLogLine(info[0].As<Napi::String>(), info[1].As<Napi::String>(), info[2].As<Napi::String>(), info[3].As<Napi::String>());
  return info.Env().Undefined();
}

}  // namespace

void InitCore(Napi::Env env, Napi::Object exports) {
  exports.Set("isSameLiveProcess", Napi::Function::New(env, IsSameLiveProcess));
  exports.Set("parseSignal", Napi::Function::New(env, ParseSignal));
  exports.Set("containerStatus", Napi::Function::New(env, ContainerStatus));
  exports.Set("cgroupFrozen", Napi::Function::New(env, CgroupFrozen));
  exports.Set("processStartTime", Napi::Function::New(env, ProcessStartTime));
  exports.Set("cgroupSignalAll", Napi::Function::New(env, CgroupSignalAll));
  exports.Set("writeLogLine", Napi::Function::New(env, WriteLogLine));
}
