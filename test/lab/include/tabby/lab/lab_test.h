#pragma once
// LabTest: the GoogleTest fixture for lab tests. Each test gets a fresh Lab, torn down after
// it whether it passed, failed or threw. Without root the test fails with a message that
// says so — it never passes without having run.

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "tabby/lab/daemons.h"
#include "tabby/lab/lab.h"

namespace tabby::lab {

class LabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_FAIL() << "this lab test needs root (it creates network namespaces, veths and "
                      "bridges): run it as root, e.g. `sudo scripts/run test`";
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    lab_ = std::make_unique<Lab>(info ? info->name() : "");
  }
  void TearDown() override { lab_.reset(); }

  Lab& lab() { return *lab_; }

 private:
  std::unique_ptr<Lab> lab_;
};

}  // namespace tabby::lab
