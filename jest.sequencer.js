// The order in which jest's two workers take the test files. Jest's own order is kept (files
// that failed last time first, then the slowest or, without timings, the largest), except for
// the files that start the three-broker cluster profile. That profile is one set of ports and
// data, so a file that needs it while another holds it waits on the profile lock, and its worker
// does nothing meanwhile: in a fresh-clone run, cluster-infra.test.ts waited out faults.test.ts
// and took 592 s instead of 83 s. faults.test.ts, the longest file, goes first; the other users
// of the profile go last, when it has long finished.
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = 'tests/faults/faults.test.ts';
const LAST = ['tests/faults/quiet-start.test.ts', 'packages/testkit/src/infra/cluster-infra.test.ts'];

class ClusterProfileSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const named = (suffix) => (t) => t.path.replaceAll('\\', '/').endsWith(`/${suffix}`);
    const first = sorted.filter(named(FIRST));
    const last = LAST.flatMap((suffix) => sorted.filter(named(suffix)));
    return [...first, ...sorted.filter((t) => !first.includes(t) && !last.includes(t)), ...last];
  }
}

module.exports = ClusterProfileSequencer;
