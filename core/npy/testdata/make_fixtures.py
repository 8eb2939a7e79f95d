# Writes the .npy fixtures in this folder with NumPy (made with NumPy 1.24.2, Debian's python3-numpy):
#   /usr/bin/python3 make_fixtures.py
# The values are simple formulas that npy_test.go recomputes.
import numpy as np

def f32(shape):
    n = int(np.prod(shape, dtype=np.int64))
    return (np.arange(n, dtype=np.float32) * np.float32(0.5) - np.float32(1)).reshape(shape)

def save(name, a, version=None):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, a, version=version)

# np.save's own output, which Write must reproduce byte for byte.
save("f4_scalar.npy", np.float32(3.5).reshape(()))
save("f4_5.npy", f32((5,)))
save("f4_2x3.npy", f32((2, 3)))
save("f4_2x3x4.npy", f32((2, 3, 4)))
save("f4_0x3.npy", f32((0, 3)))
save("f4_123456789x0.npy", f32((123456789, 0)))
# A header that is already a multiple of 64 bytes long before padding: NumPy adds 64 more spaces.
save("f4_pad64.npy", f32((0,) + (10,) * 9 + (1, 1)))

# Other element types and versions that Read converts or accepts.
x = np.arange(6, dtype=np.float64).reshape(2, 3) * 0.1 - 0.25
save("f8_2x3.npy", x)
save("i8_2x3.npy", np.array([[-3, 0, 7], [2**40 + 1, -(2**53), 123456789]], dtype=np.int64))
save("i4_2x3.npy", np.array([[-3, 0, 7], [2**31 - 1, -(2**31), 16777217]], dtype=np.int32))
save("f4_v2.npy", f32((2, 3)), version=(2, 0))
save("f4_v3.npy", f32((2, 3)), version=(3, 0))

# What Read must refuse.
save("fortran_2x3.npy", np.asfortranarray(f32((2, 3))))
save("f4_big_endian.npy", f32((2, 3)).astype(">f4"))
save("u1_3.npy", np.array([1, 2, 3], dtype=np.uint8))
