#!/usr/bin/python3
"""Golden fixtures for NIfTI header paths the shared files do not cover.

The shared images all have sform_code > 0, so the qform (quaternion) path, the
base affine, nibabel's load-time header fixes, time units, scaling edge cases,
most integer types and header-only pairs (.hdr without its .img) would go
untested. Each VARIANT here is a real shared file with a few header bytes
patched (and, for header-only pairs, a synthetic .img of a fixed byte pattern).
This script builds every variant in a temporary folder, reads it with nibabel
5.0 exactly as make_golden.py does (mne_reference.py inspect_nifti + the
Fortran-order fingerprint of get_fdata()), and writes

  tests/Neurodecode.Tests/Ingest/Nifti/Variants/<name>.json

holding the recipe (source file, byte patches as hex, pattern length, gzip)
next to the reference values. The C# test rebuilds the same bytes from the
recipe and compares; nothing here is needed at test time.

Usage: /usr/bin/python3 tools/make_nifti_variants.py
"""
import gzip
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASETS = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'datasets'))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Ingest', 'Nifti', 'Variants')

spec = importlib.util.spec_from_file_location('make_golden', os.path.join(ROOT, 'tools', 'make_golden.py'))
mg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mg)

# NIfTI-1 / Analyze offsets (nifti1.py header_dtd) and NIfTI-2 offsets (nifti2.py header_dtd).
N1 = dict(dim=40, datatype=70, bitpix=72, pixdim=76, vox_offset=108, scl_slope=112, scl_inter=116,
          xyzt_units=123, cal_max=124, cal_min=128, glmax=140, glmin=144, qform_code=252,
          sform_code=254, origin=253, quatern=256)
N2 = dict(sform_code=348, qform_code=344, quatern=352, pixdim=104, xyzt_units=500)


def p(offset, fmt, *values):
    """One patch: offset and struct format without byte order (added per file)."""
    return (offset, fmt, values)


def pix(i, v, n=N1):
    return p(n['pixdim'] + 4 * i, 'f', v)


def dim(i, v):
    return p(N1['dim'] + 2 * i, 'h', v)


def dtype(code, bits):
    return [p(N1['datatype'], 'h', code), p(N1['bitpix'], 'h', bits)]


FUNC = 'nifti/nibabel/functional.nii'      # int16 LE 17x21x3x20, scl_slope/inter set, qform=sform=2
ANAT = 'nifti/nibabel/anatomical.nii'      # int16 BE 33x41x25
EX4D = 'nifti/nibabel/example4d.nii.gz'    # int16 LE, a real oblique quaternion, gz
EXN2 = 'nifti/nibabel/example_nifti2.nii.gz'
NOSFORM = p(N1['sform_code'], 'h', 0)

# name: (source, output file name, patches, extra). extra: pattern=N writes a companion .img of N
# bytes (byte k = (31 k + 7) mod 256) next to a header-only .hdr; gzip=True compresses the result.
VARIANTS = {
    'functional_qform': (FUNC, 'functional_qform.nii', [NOSFORM], {}),
    'functional_qform_gz': (FUNC, 'functional_qform.nii.gz', [NOSFORM], dict(gzip=True)),
    'anatomical_qform_be': (ANAT, 'anatomical_qform_be.nii', [NOSFORM], {}),
    'example4d_qform_oblique': (EX4D, 'example4d_qform.nii', [NOSFORM], {}),
    'example_nifti2_qform_oblique': (EXN2, 'example_nifti2_qform.nii', [p(N2['sform_code'], 'i', 0)], {}),
    'functional_quaternion': (FUNC, 'functional_quaternion.nii',
                              [NOSFORM, p(N1['quatern'], 'fff', 0.1, -0.2, 0.3)], {}),
    'functional_quaternion_w0': (FUNC, 'functional_quaternion_w0.nii',  # 1-b²-c²-d² slightly < 0: a = 0
                                 [NOSFORM, p(N1['quatern'], 'fff', 0.6, 0.8, 0.0001)], {}),
    'functional_qfac0': (FUNC, 'functional_qfac0.nii', [NOSFORM, pix(0, 0.0)], {}),
    'functional_qfac_pos': (FUNC, 'functional_qfac_pos.nii', [NOSFORM, pix(0, 1.0)], {}),
    'functional_pixdim_fix': (FUNC, 'functional_pixdim_fix.nii', [NOSFORM, pix(1, -4.0), pix(3, 0.0)], {}),
    'functional_bad_sform_code': (FUNC, 'functional_bad_sform_code.nii', [p(N1['sform_code'], 'h', 9)], {}),
    'functional_base_affine': (FUNC, 'functional_base.nii', [NOSFORM, p(N1['qform_code'], 'h', 0)], {}),
    'functional_msec': (FUNC, 'functional_msec.nii', [p(N1['xyzt_units'], 'B', 2 + 16)], {}),
    'functional_usec': (FUNC, 'functional_usec.nii', [p(N1['xyzt_units'], 'B', 2 + 24)], {}),
    'functional_slope0': (FUNC, 'functional_slope0.nii', [p(N1['scl_slope'], 'f', 0.0)], {}),
    'functional_slope_nan': (FUNC, 'functional_slope_nan.nii', [p(N1['scl_slope'], 'f', float('nan'))], {}),
    'functional_inter_only': (FUNC, 'functional_inter_only.nii', [p(N1['scl_slope'], 'f', 1.0)], {}),
    'functional_uint16': (FUNC, 'functional_uint16.nii', dtype(512, 16), {}),
    'functional_int8': (FUNC, 'functional_int8.nii', dtype(256, 8) + [dim(1, 34)], {}),
    'functional_uint8': (FUNC, 'functional_uint8.nii', dtype(2, 8) + [dim(1, 34)], {}),
    'functional_int32': (FUNC, 'functional_int32.nii', dtype(8, 32) + [dim(4, 10)], {}),
    'functional_uint32': (FUNC, 'functional_uint32.nii', dtype(768, 32) + [dim(4, 10)], {}),
    'functional_int64': (FUNC, 'functional_int64.nii', dtype(1024, 64) + [dim(4, 5)], {}),
    'functional_uint64': (FUNC, 'functional_uint64.nii', dtype(1280, 64) + [dim(4, 5)], {}),
    'anatomical_uint16_be': (ANAT, 'anatomical_uint16_be.nii', dtype(512, 16), {}),
    'anatomical_int64_be': (ANAT, 'anatomical_int64_be.nii', dtype(1024, 64) + [dim(3, 6)], {}),
    'anatomical_int8_be': (ANAT, 'anatomical_int8_be.nii', dtype(256, 8) + [dim(1, 66)], {}),
    'functional_5d': (FUNC, 'functional_5d.nii', [dim(0, 5), dim(4, 4), dim(5, 5)], {}),
    'functional_2d': (FUNC, 'functional_2d.nii', [dim(0, 2), NOSFORM, p(N1['qform_code'], 'h', 0)], {}),
    # Header-only fixtures with a synthetic image: a NIfTI-1 pair, a NIfTI-2 pair (vox_offset 544 in the
    # .img), and the SPM2 Analyze header (big-endian uint8, SPM origin, scale factor 1715.04).
    'nifti1_pair_synthetic': ('nifti/nibabel/nifti1.hdr', 'nifti1_pair.hdr', [], dict(pattern=91 * 109 * 91 * 2)),
    'nifti2_pair_synthetic': ('nifti/nibabel/nifti2.hdr', 'nifti2_pair.hdr', [], dict(pattern=544 + 91 * 109 * 91 * 2)),
    'analyze_spm2_synthetic': ('nifti/nibabel/analyze.hdr', 'analyze.hdr', [], dict(pattern=91 * 109 * 91)),
    'analyze_spm2_centre': ('nifti/nibabel/analyze.hdr', 'analyze_centre.hdr',
                            [p(N1['origin'], 'hhh', 0, 0, 0)], dict(pattern=91 * 109 * 91)),
    'analyze_spm2_calscale': ('nifti/nibabel/analyze.hdr', 'analyze_calscale.hdr',
                              [p(N1['scl_slope'], 'f', 0.0), p(N1['cal_max'], 'ff', 2.5, -1.0),
                               p(N1['glmax'], 'ii', 250, 5), pix(1, -2.2)], dict(pattern=91 * 109 * 91)),
}


def pattern(n):
    return ((np.arange(n, dtype=np.int64) * 31 + 7) % 256).astype(np.uint8).tobytes()


def build(folder, source, name, patches, extra):
    src = os.path.join(DATASETS, source)
    with open(src, 'rb') as f:
        data = f.read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    data = bytearray(data)
    big = struct.unpack('<i', data[:4])[0] not in (348, 540)
    order = '>' if big else '<'
    hexpatches = []
    for offset, fmt, values in patches:
        raw = struct.pack(order + fmt, *values)
        data[offset:offset + len(raw)] = raw
        hexpatches.append(dict(offset=offset, hex=raw.hex()))
    path = os.path.join(folder, name)
    with open(path, 'wb') as f:
        f.write(gzip.compress(bytes(data), mtime=0) if extra.get('gzip') else bytes(data))
    if 'pattern' in extra:
        with open(path[:-4] + '.img', 'wb') as f:
            f.write(pattern(extra['pattern']))
    recipe = dict(source=source, file=name, patches=hexpatches, gzip=bool(extra.get('gzip')),
                  img_pattern_bytes=extra.get('pattern'))
    return path, recipe


def main():
    import nibabel as nib
    os.makedirs(OUT, exist_ok=True)
    folder = tempfile.mkdtemp()
    try:
        for vname, (source, name, patches, extra) in VARIANTS.items():
            path, recipe = build(folder, source, name, patches, extra)
            info = mg.ref.inspect_nifti(path)
            img = nib.load(path)
            if not isinstance(img, nib.analyze.AnalyzeImage):
                img = nib.Nifti2Image.from_filename(path)
            data = np.asarray(img.get_fdata(), np.float64).ravel(order='F')
            info.pop('path')
            out = dict(name=vname, recipe=recipe, expected=info, data=mg.fingerprint(data[None, :])[0])
            target = os.path.join(OUT, vname + '.json')
            with open(target, 'w') as f:
                json.dump(out, f, indent=1)
                f.write('\n')
            print(target, type(img).__name__)
    finally:
        shutil.rmtree(folder)


if __name__ == '__main__':
    sys.exit(main())
