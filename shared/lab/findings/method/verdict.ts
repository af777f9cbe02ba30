// The one verdict rule every finding uses (docs/findings.md). A claim predicts an effect in one
// direction; the finding measures it per seed and compares its 95 % interval over seeds with the
// smallest effect that matters (`minEffect`, stated per finding):
//   reproduced      the interval lies above 0 and the mean reaches minEffect;
//   not reproduced  the whole interval lies below minEffect (no effect, or the other way);
//   inconclusive    the interval straddles: the effect does not clearly exceed seed noise;
//   indicative      one seed only: no spread to judge against, the direction is reported;
//   not applicable  the runs cannot answer it (the finding says which study would).
import type { Verdict } from '../../../kinds'
import type { Estimate } from './stats'

export { VERDICTS, type Verdict } from '../../../kinds'

export function judge(effect: Estimate, minEffect: number): Verdict {
  if (effect.n === 0) return 'not_applicable'
  if (effect.low === null || effect.high === null) return 'indicative'
  if (effect.low > 0 && effect.mean >= minEffect) return 'reproduced'
  if (effect.high < minEffect) return 'not_reproduced'
  return 'inconclusive'
}
