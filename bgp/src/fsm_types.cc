#include "tabby/bgp/fsm_types.h"

#include <string>

namespace tabby::bgp {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string milliseconds(Duration d) {
  return std::to_string(d.count()) + "ms";
}

}  // namespace

std::string to_string(State state) {
  switch (state) {
    case State::kIdle:
      return "Idle";
    case State::kConnect:
      return "Connect";
    case State::kActive:
      return "Active";
    case State::kOpenSent:
      return "OpenSent";
    case State::kOpenConfirm:
      return "OpenConfirm";
    case State::kEstablished:
      return "Established";
  }
  return "State(" + std::to_string(static_cast<int>(state)) + ")";
}

std::string to_string(EventType type) {
  switch (type) {
    case EventType::kManualStart:
      return "ManualStart";
    case EventType::kManualStop:
      return "ManualStop";
    case EventType::kAutomaticStart:
      return "AutomaticStart";
    case EventType::kManualStartWithPassiveTcpEstablishment:
      return "ManualStart_with_PassiveTcpEstablishment";
    case EventType::kAutomaticStartWithPassiveTcpEstablishment:
      return "AutomaticStart_with_PassiveTcpEstablishment";
    case EventType::kAutomaticStartWithDampPeerOscillations:
      return "AutomaticStart_with_DampPeerOscillations";
    case EventType::kAutomaticStartWithDampPeerOscillationsAndPassiveTcpEstablishment:
      return "AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment";
    case EventType::kAutomaticStop:
      return "AutomaticStop";
    case EventType::kConnectRetryTimerExpires:
      return "ConnectRetryTimer_Expires";
    case EventType::kHoldTimerExpires:
      return "HoldTimer_Expires";
    case EventType::kKeepaliveTimerExpires:
      return "KeepaliveTimer_Expires";
    case EventType::kDelayOpenTimerExpires:
      return "DelayOpenTimer_Expires";
    case EventType::kIdleHoldTimerExpires:
      return "IdleHoldTimer_Expires";
    case EventType::kTcpConnectionValid:
      return "TcpConnection_Valid";
    case EventType::kTcpCrInvalid:
      return "Tcp_CR_Invalid";
    case EventType::kTcpCrAcked:
      return "Tcp_CR_Acked";
    case EventType::kTcpConnectionConfirmed:
      return "TcpConnectionConfirmed";
    case EventType::kTcpConnectionFails:
      return "TcpConnectionFails";
    case EventType::kBgpOpen:
      return "BGPOpen";
    case EventType::kBgpOpenWithDelayOpenTimerRunning:
      return "BGPOpen_with_DelayOpenTimer_running";
    case EventType::kBgpHeaderErr:
      return "BGPHeaderErr";
    case EventType::kBgpOpenMsgErr:
      return "BGPOpenMsgErr";
    case EventType::kOpenCollisionDump:
      return "OpenCollisionDump";
    case EventType::kNotifMsgVerErr:
      return "NotifMsgVerErr";
    case EventType::kNotifMsg:
      return "NotifMsg";
    case EventType::kKeepAliveMsg:
      return "KeepAliveMsg";
    case EventType::kUpdateMsg:
      return "UpdateMsg";
    case EventType::kUpdateMsgErr:
      return "UpdateMsgErr";
  }
  return "Event(" + std::to_string(static_cast<int>(type)) + ")";
}

std::string to_string(TimerId timer) {
  switch (timer) {
    case TimerId::kConnectRetry:
      return "ConnectRetryTimer";
    case TimerId::kHold:
      return "HoldTimer";
    case TimerId::kKeepalive:
      return "KeepaliveTimer";
    case TimerId::kDelayOpen:
      return "DelayOpenTimer";
    case TimerId::kIdleHold:
      return "IdleHoldTimer";
  }
  return "Timer(" + std::to_string(static_cast<int>(timer)) + ")";
}

std::string to_string(DownCause cause) {
  switch (cause) {
    case DownCause::kManualStop:
      return "manual stop";
    case DownCause::kAutomaticStop:
      return "automatic stop";
    case DownCause::kHoldTimerExpired:
      return "hold timer expired";
    case DownCause::kTcpConnectionFailed:
      return "TCP connection failed";
    case DownCause::kNotificationReceived:
      return "NOTIFICATION received";
    case DownCause::kMessageError:
      return "malformed message received";
    case DownCause::kFsmError:
      return "unexpected message (FSM error)";
    case DownCause::kConnectionCollision:
      return "connection collision";
  }
  return "DownCause(" + std::to_string(static_cast<int>(cause)) + ")";
}

std::string to_string(const Notification& notification) {
  std::string text = "NOTIFICATION " + std::to_string(notification.code) + "/" +
                     std::to_string(notification.subcode);
  if (!notification.data.empty()) {
    text += " (" + std::to_string(notification.data.size()) + " bytes of data)";
  }
  return text;
}

std::string to_string(const Action& action) {
  return std::visit(
      Overloaded{
          [](const ConnectTcp&) -> std::string { return "ConnectTcp"; },
          [](const DropTcp&) -> std::string { return "DropTcp"; },
          [](const SendOpen& a) -> std::string {
            return "SendOpen(as " + std::to_string(a.open.peer_as) + ", hold " +
                   std::to_string(a.open.hold_time_seconds) + "s, id " +
                   std::to_string(a.open.bgp_identifier) + ")";
          },
          [](const SendKeepalive&) -> std::string { return "SendKeepalive"; },
          [](const SendNotification& a) -> std::string {
            return "Send" + to_string(a.notification);
          },
          [](const StartTimer& a) -> std::string {
            return "StartTimer(" + to_string(a.timer) + ", " + milliseconds(a.duration) + ")";
          },
          [](const StopTimer& a) -> std::string { return "StopTimer(" + to_string(a.timer) + ")"; },
          [](const SessionEstablished& a) -> std::string {
            return "SessionEstablished(hold " + milliseconds(a.hold_time) + ", keepalive " +
                   milliseconds(a.keepalive_interval) + ")";
          },
          [](const SessionDown& a) -> std::string {
            return "SessionDown(" + to_string(a.cause) + ")";
          },
          [](const ReleaseResources&) -> std::string { return "ReleaseResources"; },
      },
      action);
}

}  // namespace tabby::bgp
