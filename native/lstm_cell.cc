// The LSTM cell's elementwise forward and backward (lib/blas/lstm-cell.ts, lib/modules/lstm.ts):
// on the stock kernels a step dispatches about 10 small ops forward and 25 backward, each a pass
// over [B, H]. Here the four gates come side by side in one [B, 4H] tensor z, the sigmoids of one
// matmul [x, h]·[W_i | W_f | W_o | 2W_g] (s = σ(2 z_g), so g = tanh(z_g) = 2s − 1).
#include "common.h"

namespace dni {

namespace {

// lstmCell forward, one row: c = f·c_prev + i·g, tc = tanh(c) as 2σ(2c) − 1, h = o·tc.
__attribute__((target_clones("avx2", "default"))) void cellRow(int64_t H, const float* __restrict z, const float* __restrict cp,
                                                              float* __restrict c, float* __restrict tc, float* __restrict h) {
  const float *__restrict i = z, *__restrict f = z + H, *__restrict o = z + 2 * H, *__restrict s = z + 3 * H;
  for (int64_t k = 0; k < H; k++) {
    const float g = 2.0f * s[k] - 1.0f;
    const float fc = f[k] * cp[k];
    const float ig = i[k] * g;
    const float ck = fc + ig;
    const float t = 2.0f / (1.0f + expApprox(-2.0f * ck)) - 1.0f;
    c[k] = ck;
    tc[k] = t;
    h[k] = o[k] * t;
  }
}

// One row of the backward:
//   dc_t = dc + dh·o·(1 − tc²);  dz_i = dc_t·g·i(1 − i);  dz_f = dc_t·c_prev·f(1 − f);
//   dz_o = dh·tc·o(1 − o);  dz_g = dc_t·i·(1 − g²);  dc_prev = dc_t·f.
// dz_g is with respect to z_g itself (g = tanh(z_g)), for the undoubled W_g.
__attribute__((target_clones("avx2", "default"))) void cellGradRow(int64_t H, const float* __restrict dh, const float* __restrict dc,
                                                                  const float* __restrict z, const float* __restrict tc,
                                                                  const float* __restrict cp, float* __restrict dz,
                                                                  float* __restrict dcp) {
  const float *__restrict i = z, *__restrict f = z + H, *__restrict o = z + 2 * H, *__restrict s = z + 3 * H;
  float *__restrict dzi = dz, *__restrict dzf = dz + H, *__restrict dzo = dz + 2 * H, *__restrict dzg = dz + 3 * H;
  for (int64_t k = 0; k < H; k++) {
    const float g = 2.0f * s[k] - 1.0f;
    const float dhk = dh ? dh[k] : 0.0f;
    const float dct = (dc ? dc[k] : 0.0f) + dhk * o[k] * (1.0f - tc[k] * tc[k]);
    dzi[k] = dct * g * (i[k] * (1.0f - i[k]));
    dzf[k] = dct * cp[k] * (f[k] * (1.0f - f[k]));
    dzo[k] = dhk * tc[k] * (o[k] * (1.0f - o[k]));
    dzg[k] = dct * i[k] * (1.0f - g * g);
    dcp[k] = dct * f[k];
  }
}

}  // namespace

// lstmCell(heap, B, H, zOff, cPrevOff, cOff, tcOff, hOff): z [B, 4H]; c_prev, c, tc, h [B, H].
Napi::Value LstmCell(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8) throw Napi::TypeError::New(env, "dni_blas.lstmCell: expected 8 arguments");
  View h = viewOf(info[0]);
  const int64_t B = intArg(info, 1), H = intArg(info, 2);
  if (B < 0 || H < 1) throw Napi::RangeError::New(env, "dni_blas.lstmCell: invalid size");
  const int64_t zOff = intArg(info, 3), cpOff = intArg(info, 4), cOff = intArg(info, 5), tcOff = intArg(info, 6), hOff = intArg(info, 7);
  need(env, h, zOff, B * 4 * H, "z");
  for (int64_t off : {cpOff, cOff, tcOff, hOff}) need(env, h, off, B * H, "a [B, H] tensor");
  for (int64_t b = 0; b < B; b++)
    cellRow(H, h.p + zOff + b * 4 * H, h.p + cpOff + b * H, h.p + cOff + b * H, h.p + tcOff + b * H, h.p + hOff + b * H);
  return env.Undefined();
}

// lstmCellGrad(heap, B, H, hasDh, hasDc, dhOff, dcOff, zOff, tcOff, cPrevOff, dzOff, dcPrevOff):
// a missing dh or dc (hasDh, hasDc = 0) counts as zero and its offset is not read; dz [B, 4H].
Napi::Value LstmCellGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 12) throw Napi::TypeError::New(env, "dni_blas.lstmCellGrad: expected 12 arguments");
  View h = viewOf(info[0]);
  const int64_t B = intArg(info, 1), H = intArg(info, 2);
  const bool hasDh = intArg(info, 3) != 0, hasDc = intArg(info, 4) != 0;
  if (B < 0 || H < 1) throw Napi::RangeError::New(env, "dni_blas.lstmCellGrad: invalid size");
  const int64_t dhOff = intArg(info, 5), dcOff = intArg(info, 6), zOff = intArg(info, 7), tcOff = intArg(info, 8);
  const int64_t cpOff = intArg(info, 9), dzOff = intArg(info, 10), dcpOff = intArg(info, 11);
  if (hasDh) need(env, h, dhOff, B * H, "dh");
  if (hasDc) need(env, h, dcOff, B * H, "dc");
  need(env, h, zOff, B * 4 * H, "z");
  need(env, h, dzOff, B * 4 * H, "dz");
  for (int64_t off : {tcOff, cpOff, dcpOff}) need(env, h, off, B * H, "a [B, H] tensor");
  for (int64_t b = 0; b < B; b++)
    cellGradRow(H, hasDh ? h.p + dhOff + b * H : nullptr, hasDc ? h.p + dcOff + b * H : nullptr, h.p + zOff + b * 4 * H,
                h.p + tcOff + b * H, h.p + cpOff + b * H, h.p + dzOff + b * 4 * H, h.p + dcpOff + b * H);
  return env.Undefined();
}

}  // namespace dni
