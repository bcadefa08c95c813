import { agencyOfDossierCode } from './dossier-code.parser';

describe('TT 04/2025 dossier codes', () => {
  test.each([
    ['G01.001.000-261123-0001', 'G01.001.000'],
    ['G02.001.00-261123-000123', 'G02.001.00'],
    ['H27.010.000-260302-00010A3F', 'H27.010.000'],
  ])('when the code is %s, then its receiving agency is %s', (code, agency) => {
    expect(agencyOfDossierCode(code)).toBe(agency);
  });

  test.each([
    ['PORTAL-12345'],
    ['G01.001.000-261323-0001'],
    ['G01.001.0000-261123-0001'],
    ['g01.001.000-261123-0001'],
    ['G01.001.000-261123-01'],
    [' G01.001.000-261123-0001'],
  ])('when the code is %p, then it is not a TT 04/2025 code and names no agency', (code) => {
    expect(agencyOfDossierCode(code)).toBeNull();
  });
});
