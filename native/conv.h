// Convolution geometry shared by the im2col path (dni_blas.cc) and the oneDNN path (conv_dnnl.cc).
#pragma once
#include <cstdint>
#include <string>

namespace dni {

// NHWC input [B, H, W, Cin], filter [kh, kw, Cin, Cout], output [B, Ho, Wo, Cout]; stride
// (sh, sw), padding top and left (pt, pl), the bottom and right padding implied by the sizes.
struct Geo {
  int64_t B, H, W, Cin, kh, kw, Cout, Ho, Wo, sh, sw, pt, pl;
  int64_t K() const { return kh * kw * Cin; }
  int64_t rows() const { return B * Ho * Wo; }
};

// oneDNN's convolutions (when the addon was built with it): mode 0 y = conv(x, f), 1 x = ∂/∂x
// given dy in y, 2 f = ∂/∂f given dy in y, as dni_blas.conv2d. False when oneDNN is not built
// in, is switched off, or refuses the geometry; the caller then runs im2col + sgemm.
bool convDnnl(int mode, const Geo& g, float* x, float* f, float* y);
// The convolution path in use ("onednn" or "im2col") and switching it; oneDNN's version or "".
std::string convPath();
bool setConvPath(const std::string& path);
std::string dnnlVersion();
// oneDNN's OpenMP threads for parallel regions the calling thread starts.
void setDnnlThreads(int n);

}  // namespace dni
