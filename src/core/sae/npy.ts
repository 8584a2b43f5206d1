// NumPy's .npy format: the magic "\x93NUMPY", a version, the header length (2
// bytes in version 1, 4 in versions 2 and 3), a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2304, 16384), } padded
// with spaces, then the raw values. Only little-endian floats in C order are
// read: that is what SAE releases hold, and anything else is refused by name.

import { BYTES_PER_ELEMENT, lazyTensor, type SafetensorsDtype, type Tensor } from './safetensors';

const MAGIC = '\x93NUMPY';
const DTYPES = new Map<string, SafetensorsDtype>([
  ['<f4', 'F32'],
  ['<f2', 'F16'],
  ['<f8', 'F64'],
]);

export function readNpy(bytes: Uint8Array): Tensor {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 6)).toString('latin1') !== MAGIC) {
    throw new Error('not an .npy file (bad magic)');
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`.npy format version ${major}.${bytes[7]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new Error('.npy header is truncated');
  const dataStart = 8 + lenBytes + (lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true));
  if (dataStart > bytes.length) throw new Error('.npy header is truncated');
  const header = Buffer.from(bytes.subarray(8 + lenBytes, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`.npy header is not understood: ${JSON.stringify(header.trim())}`);
  }
  const dtype = DTYPES.get(descr);
  if (!dtype) {
    throw new Error(`unsupported dtype ${JSON.stringify(descr)} (supported: ${[...DTYPES.keys()].join(', ')}: little-endian floats)`);
  }
  if (fortran === 'True') throw new Error('fortran_order arrays are not supported (save in C order)');
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d))) throw new Error(`.npy shape (${shapeText}) is not a tuple of integers`);
  const shape = dims.map(Number);

  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * BYTES_PER_ELEMENT[dtype];
  if (bytes.length - dataStart !== need) {
    throw new Error(`shape [${shape.join(', ')}] of ${descr} needs ${need} data bytes, the file has ${bytes.length - dataStart}`);
  }
  return lazyTensor(dtype, shape, bytes.subarray(dataStart));
}
