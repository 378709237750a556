import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanFileMappings } from './clean-file-mappings.js';

// Real excerpts of /proc/self/smaps (Linux 6.18, x86-64): a `node` process, and a small Python
// program that mapped a file shared (read-only) and a private read-only mapping of a file it then
// unlinked. Whole entries, unedited; the tests edit copies to single out one rule at a time.

const nodeRodata = `00400000-00b6f000 r--p 00000000 fe:00 260689                             /usr/bin/node
Size:               7612 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                5948 kB
Pss:                5948 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:      5948 kB
Private_Dirty:         0 kB
Referenced:         5948 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me 
`;

const nodeText = `00b72000-025fe000 r-xp 00772000 fe:00 260689                             /usr/bin/node
Size:              27184 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:               16628 kB
Pss:               16316 kB
Pss_Dirty:             0 kB
Shared_Clean:        624 kB
Shared_Dirty:          0 kB
Private_Clean:     16004 kB
Private_Dirty:         0 kB
Referenced:        16628 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd ex mr mw me 
`;

const nodeRodata2 = `02601000-0563a000 r--p 02201000 fe:00 260689                             /usr/bin/node
Size:              49380 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                7732 kB
Pss:                7732 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:      7732 kB
Private_Dirty:         0 kB
Referenced:         7732 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me 
`;

const nodeRelro = `0563a000-0563e000 r--p 05239000 fe:00 260689                             /usr/bin/node
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:             8 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         8 kB
Referenced:           16 kB
Anonymous:             8 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me ac 
`;

const nodeData = `0563e000-0565d000 rw-p 0523d000 fe:00 260689                             /usr/bin/node
Size:                124 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                 124 kB
Pss:                 124 kB
Pss_Dirty:            92 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:        32 kB
Private_Dirty:        92 kB
Referenced:          124 kB
Anonymous:            92 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me ac 
`;

const heap = `37181000-37444000 rw-p 00000000 00:00 0                                  [heap]
Size:               2828 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                2712 kB
Pss:                2712 kB
Pss_Dirty:          2712 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:      2712 kB
Referenced:         2712 kB
Anonymous:          2712 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd wr mr mw me ac 
`;

const libcText = `7fc3d5d44000-7fc3d5e9a000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:               1368 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                1048 kB
Pss:                 291 kB
Pss_Dirty:             0 kB
Shared_Clean:       1040 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         0 kB
Referenced:         1048 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd ex mr mw me 
`;

const libcRelro = `7fc3d5eed000-7fc3d5ef1000 r--p 001cf000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
Size:                 16 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                  16 kB
Pss:                  16 kB
Pss_Dirty:            16 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:        16 kB
Referenced:           16 kB
Anonymous:            16 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me ac 
`;

const vdso = `7fc3d624e000-7fc3d6250000 r-xp 00000000 00:00 0                          [vdso]
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   4 kB
Pss:                   0 kB
Pss_Dirty:             0 kB
Shared_Clean:          4 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         0 kB
Referenced:            4 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd ex mr mw me de 
`;

const deletedFile = `7f4af3d05000-7f4af3d07000 r--p 00000000 fe:00 2147394                    /tmp/memtrim-deleted.bin (deleted)
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         0 kB
Referenced:            8 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr mw me 
`;

const sharedFile = `7f4af4956000-7f4af4958000 r--s 00000000 fe:00 2147388                    /tmp/memtrim-shared.bin
Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         0 kB
Referenced:            8 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:           0
VmFlags: rd mr me ms 
`;

const all = [nodeRodata, nodeText, nodeRodata2, nodeRelro, nodeData, heap, libcText, libcRelro, vdso, deletedFile, sharedFile].join('');

/** The start addresses (hex, as smaps writes them) of the mappings that would be dropped. */
function kept(text: string): string[] {
  return cleanFileMappings(text).map((m) => m.start.toString(16));
}

/** Replaces one field's value in an excerpt (to single out one rule). */
function withField(excerpt: string, name: string, kb: number): string {
  const edited = excerpt.replace(new RegExp(`^${name}:\\s+\\d+ kB$`, 'm'), `${name}: ${kb} kB`);
  assert.notEqual(edited, excerpt, `${name} was replaced`);
  return edited;
}

test('keeps the clean read-only and executable mappings of node and libc, with bigint ranges and their Rss', () => {
  const ranges = cleanFileMappings(all);
  assert.deepEqual(ranges.map((r) => ({ start: r.start, length: r.length, perms: r.perms, path: r.path, rssKb: r.rssKb })), [
    { start: 0x400000n, length: 0xb6f000n - 0x400000n, perms: 'r--p', path: '/usr/bin/node', rssKb: 5948 },
    { start: 0xb72000n, length: 0x25fe000n - 0xb72000n, perms: 'r-xp', path: '/usr/bin/node', rssKb: 16628 },
    { start: 0x2601000n, length: 0x563a000n - 0x2601000n, perms: 'r--p', path: '/usr/bin/node', rssKb: 7732 },
    { start: 0x7fc3d5d44000n, length: 0x7fc3d5e9a000n - 0x7fc3d5d44000n, perms: 'r-xp', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', rssKb: 1048 },
  ]);
  assert.ok(Object.isFrozen(ranges) && Object.isFrozen(ranges[0]));
});

test('skips the writable .data mapping, the COW-dirty RELRO mappings, [heap], [vdso], the deleted file and the shared mapping', () => {
  for (const [name, excerpt] of Object.entries({ nodeRelro, nodeData, heap, libcRelro, vdso, deletedFile, sharedFile })) {
    assert.deepEqual(kept(excerpt), [], name);
  }
});

// Each rule alone: an excerpt that passes every other rule is kept, and skipped once the one thing changes.
test('a writable private file mapping is skipped even with no dirty or anonymous page', () => {
  const clean = withField(withField(withField(nodeData, 'Anonymous', 0), 'Private_Dirty', 0), 'Pss_Dirty', 0);
  assert.deepEqual(kept(clean), []);
  assert.deepEqual(kept(clean.replace(' rw-p ', ' r--p ')), ['563e000']);
});

test('a read-only RELRO mapping with copy-on-write pages is skipped for Anonymous alone and for Private_Dirty alone', () => {
  const neither = withField(withField(nodeRelro, 'Anonymous', 0), 'Private_Dirty', 0);
  assert.deepEqual(kept(neither), ['563a000']);
  assert.deepEqual(kept(withField(nodeRelro, 'Private_Dirty', 0)), [], 'Anonymous 8 kB');
  assert.deepEqual(kept(withField(nodeRelro, 'Anonymous', 0)), [], 'Private_Dirty 8 kB');
});

test('swapped-out, shared-dirty or locked pages make a mapping skipped', () => {
  assert.deepEqual(kept(nodeText), ['b72000']);
  assert.deepEqual(kept(withField(nodeText, 'Swap', 4)), []);
  assert.deepEqual(kept(withField(nodeText, 'Shared_Dirty', 4)), []);
  assert.deepEqual(kept(withField(nodeText, 'Locked', 16628)), []);
});

test('a missing field counts as not clean', () => {
  const noAnonymous = nodeText.replace(/^Anonymous:.*\n/m, '');
  assert.notEqual(noAnonymous, nodeText);
  assert.deepEqual(kept(noAnonymous), []);
});

test('the deleted file and the shared mapping are skipped for that reason only', () => {
  assert.deepEqual(kept(deletedFile.replace(' (deleted)', '')), ['7f4af3d05000']);
  assert.deepEqual(kept(sharedFile.replace(' r--s ', ' r--p ')), ['7f4af4956000']);
});

test('[vdso] is skipped for having no file path; a mapping with nothing resident is skipped', () => {
  assert.deepEqual(kept(vdso.replace('[vdso]', '/vdso')), ['7fc3d624e000']);
  assert.deepEqual(kept(withField(nodeText, 'Rss', 0)), []);
});

test('a path with spaces is kept whole; empty or foreign text gives nothing', () => {
  const spaced = nodeRodata.replace('/usr/bin/node', '/opt/my node/bin/node');
  assert.equal(cleanFileMappings(spaced)[0]?.path, '/opt/my node/bin/node');
  assert.deepEqual(cleanFileMappings(''), []);
  assert.deepEqual(cleanFileMappings('Rss: 4 kB\nnot smaps at all\n'), []);
});
