// The one source of the precompiled-header targets (cmake/TabbyPrecompiledHeaders.cmake): a
// target needs a file to compile for its precompiled header to be built.
