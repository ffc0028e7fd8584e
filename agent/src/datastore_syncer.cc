#include "tabby/agent/datastore_syncer.h"

#include <boost/asio/post.hpp>

#include "tabby/common/log.h"

namespace tabby::agent {

DatastoreSyncer::DatastoreSyncer(boost::asio::io_context& io, api::Datastore& datastore,
                                 OnChange on_change, std::chrono::milliseconds coalesce)
    : io_(io),
      datastore_(datastore),
      on_change_(std::move(on_change)),
      coalesce_(coalesce),
      retry_timer_(io),
      change_timer_(io) {}

DatastoreSyncer::~DatastoreSyncer() {
  stop();
}

void DatastoreSyncer::start() {
  stopped_ = false;
  resync();
}

void DatastoreSyncer::stop() {
  stopped_ = true;
  if (watch_) watch_->cancel();
  watch_.reset();
  retry_timer_.cancel();
  change_timer_.cancel();
}

void DatastoreSyncer::resync() {
  if (stopped_) return;
  if (watch_) watch_->cancel();
  watch_.reset();
  generation_ = std::make_shared<int>(0);
  ++resyncs_;
  auto listed = datastore_.list("/calico/");
  if (listed) {
    std::weak_ptr<int> generation = generation_;
    auto watch = datastore_.watch("/calico/", listed->revision + 1,
                                  [this, generation](const api::WatchEvent& event) {
                                    boost::asio::post(io_, [this, generation, event] {
                                      if (!generation.expired()) on_event(event);
                                    });
                                  });
    if (watch) {
      watch_ = std::move(*watch);
      snapshot_ = snapshot_from(*listed);
      in_sync_ = true;
      on_change_(snapshot_);
      return;
    }
    ++watch_errors_;
    listed = watch.error();
  } else {
    ++list_errors_;
  }
  in_sync_ = false;
  spdlog::warn("datastore {} not readable, retrying in 1s: {}", datastore_.describe(),
               listed.error().message);
  retry_timer_.expires_after(std::chrono::seconds(1));
  retry_timer_.async_wait([this](boost::system::error_code error) {
    if (!error) resync();
  });
}

void DatastoreSyncer::on_event(const api::WatchEvent& event) {
  if (stopped_) return;
  switch (event.type) {
    case api::WatchEvent::Type::Compacted:
      spdlog::info("datastore history compacted at {}: listing again", event.revision);
      resync();
      return;
    case api::WatchEvent::Type::Put:
      if (snapshot_.apply(event.key, event.value, event.revision)) schedule_change();
      return;
    case api::WatchEvent::Type::Delete:
      if (snapshot_.apply(event.key, {}, event.revision)) schedule_change();
      return;
  }
}

void DatastoreSyncer::schedule_change() {
  if (change_pending_) return;
  change_pending_ = true;
  change_timer_.expires_after(coalesce_);
  change_timer_.async_wait([this](boost::system::error_code error) {
    change_pending_ = false;
    if (!error && !stopped_) on_change_(snapshot_);
  });
}

}  // namespace tabby::agent
