/**
 * Dossier codes in the shape of TT 04/2025 (as TT 01/2018 Điều 19 before it):
 * `MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX`, e.g. `G01.001.000-261123-0001`. The leading segment is the
 * code of the unit that received the dossier, so it tells which agency may speak for the
 * dossier before any reception is known.
 *
 * Unconfirmed: the regulation's own text was not at hand. Portals write the last agency
 * segment with 2 or 3 digits and the sequence with 4 to 6 digits, some with a letter prefix or
 * suffix, so the sequence accepts 4–12 letters and digits. Codes of any other shape are not
 * TT 04/2025 codes and tell nothing (`null`).
 */
const TT04_DOSSIER_CODE = /^([A-Z]\d{2}\.\d{3}\.\d{2,3})-(\d{2})(\d{2})(\d{2})-([0-9A-Z]{4,12})$/;

/** The receiving agency named by a TT 04/2025 dossier code, or null when the code has another shape. */
export function agencyOfDossierCode(dossierCode: string): string | null {
  const m = TT04_DOSSIER_CODE.exec(dossierCode);
  if (!m) return null;
  const month = Number(m[3]);
  const day = Number(m[4]);
  // A code whose date part is no date is some other numbering that happens to look alike.
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return m[1] ?? null;
}
