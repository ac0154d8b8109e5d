#!/usr/bin/python3
"""Fits the polynomial behind jllm's vectorizable erfc (jllm-tensor kernel/Activations.java).

For x >= 0.5 the kernel computes erfc(x) = exp(-x^2) * t * h(u), where t = 1/(1 + x/2) and
u = (t - T_CENTER) / T_HALF maps x in [0.5, 10] onto u in [-1, 1]. h = erfc(x) exp(x^2) / t
stays within [0.33, 0.77] there, so a relative least-squares Chebyshev fit, rewritten as a
power series in u, evaluates in float32 by Horner's rule without cancellation. Below 0.5 the
kernel sums the Maclaurin series of erf (no fit needed); above 10, erfc underflows float32.

Run: /usr/bin/python3 tools/kernels/fit_erfc.py  -> Java constants and the float32 error.
"""
import math
import numpy as np

X_LO, X_HI = 0.5, 10.0
T_LO, T_HI = 1.0 / (1.0 + X_HI / 2.0), 1.0 / (1.0 + X_LO / 2.0)
T_CENTER, T_HALF = (T_HI + T_LO) / 2.0, (T_HI - T_LO) / 2.0
DEGREE = 12


def h_exact(x):
    return math.erfc(x) * math.exp(x * x) * (1.0 + x / 2.0)


def fit():
    k = np.arange(400)
    u = np.cos(np.pi * (k + 0.5) / len(k))  # Chebyshev nodes
    x = 2.0 * (1.0 / (T_CENTER + T_HALF * u) - 1.0)
    h = np.array([h_exact(v) for v in x])
    cheb = np.polynomial.chebyshev.chebfit(u, h, DEGREE, w=1.0 / h)
    return [float(np.float32(c)) for c in np.polynomial.chebyshev.cheb2poly(cheb)]


def erfc_f32(xf, coeffs):
    """The kernel's float32 arithmetic (exp taken exactly here; Java's is within 1 ulp)."""
    one = np.float32(1)
    t = one / (one + xf * np.float32(0.5))
    u = (t - np.float32(T_CENTER)) * np.float32(1.0 / T_HALF)
    acc = np.float32(coeffs[-1])
    for c in coeffs[-2::-1]:
        acc = acc * u + np.float32(c)
    return np.float32(math.exp(-float(xf) ** 2)) * (acc * t)


def main():
    coeffs = fit()
    print(f"T_CENTER = {np.float32(T_CENTER)!r}f, 1/T_HALF = {np.float32(1.0 / T_HALF)!r}f")
    print("ERFC_POLY = {" + ", ".join(f"{c!r}f" for c in coeffs) + "}  // u^0 .. u^%d" % DEGREE)
    worst = 0.0
    for xv in np.linspace(X_LO, 9.0, 20001).astype(np.float32):
        ref = math.erfc(float(xv))
        worst = max(worst, abs(float(erfc_f32(xv, coeffs)) - ref) / ref)
    print(f"worst float32 relative error of erfc on [{X_LO}, 9] (beyond, float32 results are subnormal): {worst:.3g}")


if __name__ == "__main__":
    main()
