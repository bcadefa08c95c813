import { inScope, intersectScope, parseAgencyFilter, scopeOfKey, withHistoricUnits } from './agency-scope';

const key = (agencies: string[] | '*', prefixes: string[] = []) => scopeOfKey({ agencies: agencies === '*' ? '*' : new Set(agencies), agencyPrefixes: prefixes });
const directory = {
  list: () => [
    { code: 'G01.101.000', successor: null },
    { code: 'G01.901.000', successor: 'G01.101.000' },
    { code: 'G05.900.000', successor: 'G05.950.000' },
    { code: 'G05.950.000', successor: 'G01.102.000' },
  ],
};

describe('agency scope intersection', () => {
  test('when a key of every agency filters on a prefix, then the prefix is the scope', () => {
    expect(intersectScope('*', parseAgencyFilter('G02.*'))).toEqual({ codes: [], prefixes: ['G02.'] });
  });

  test('when a province key filters on another province, then they share no agency', () => {
    expect(intersectScope(key([], ['G01.']), parseAgencyFilter('G02.*'))).toBeNull();
    expect(intersectScope(key([], ['G01.']), parseAgencyFilter('G02.001.000'))).toBeNull();
  });

  test('when a prefix filter is broader than the key, then only the key\'s own agencies under it remain', () => {
    expect(intersectScope(key(['G01.001.000', 'G02.001.000']), parseAgencyFilter('G01.*'))).toEqual({ codes: ['G01.001.000'], prefixes: [] });
    expect(intersectScope(key(['G03.001.000'], ['G01.001.']), parseAgencyFilter('G01.*'))).toEqual({ codes: [], prefixes: ['G01.001.'] });
  });

  test('when a prefix filter is narrower than the key, then the filter is the scope', () => {
    expect(intersectScope(key([], ['G01.']), parseAgencyFilter('G01.001.*'))).toEqual({ codes: [], prefixes: ['G01.001.'] });
  });

  test('when a code filter is inside the key, then it alone is the scope', () => {
    expect(intersectScope(key([], ['G01.']), parseAgencyFilter('G01.002.000'))).toEqual({ codes: ['G01.002.000'], prefixes: [] });
    expect(inScope({ codes: ['G01.002.000'], prefixes: [] }, 'G01.001.000')).toBe(false);
  });

  test('when no filter is given, then the key\'s scope is read as it is', () => {
    expect(intersectScope(key(['G01.001.000'], ['G02.']), null)).toEqual({ codes: ['G01.001.000'], prefixes: ['G02.'] });
  });

  test('when historic districts count under an agency of the scope, then they are read as candidates, through chains too', () => {
    expect(withHistoricUnits({ codes: ['G01.101.000'], prefixes: [] }, directory)).toEqual({ codes: ['G01.101.000', 'G01.901.000'], prefixes: [] });
    expect(withHistoricUnits({ codes: [], prefixes: ['G01.'] }, directory)).toEqual({ codes: ['G05.900.000', 'G05.950.000'], prefixes: ['G01.'] });
    expect(withHistoricUnits('*', directory)).toBe('*');
  });
});
