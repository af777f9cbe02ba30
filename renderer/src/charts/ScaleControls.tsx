// The controls every grouped chart shares, remembered across pages and visits: the y scale (auto:
// log where the values span more than a decade) and whether each seed's line shows beside the mean.
import { useTranslation } from 'react-i18next'
import { updateSettings, useSettings, type ScaleChoice } from '../state/settings'

/** Whether to draw the y axis on a log scale: the user's choice, or the view's suggestion on "auto". */
export function useLogScale(logByDefault: boolean): boolean {
  const { scale } = useSettings()
  return scale === 'auto' ? logByDefault : scale === 'log'
}

export function ScaleControls({ showSeeds, onShowSeeds }: { showSeeds: boolean; onShowSeeds: (on: boolean) => void }) {
  const { t } = useTranslation()
  const { scale } = useSettings()
  return (
    <>
      <label>
        {t('compare.scale')}{' '}
        <select
          value={scale}
          onChange={(e) => updateSettings({ scale: e.target.value as ScaleChoice })}
          data-testid="scale-select"
        >
          <option value="auto">{t('compare.scaleAuto')}</option>
          <option value="log">{t('compare.scaleLog')}</option>
          <option value="linear">{t('compare.scaleLinear')}</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={showSeeds}
          onChange={(e) => onShowSeeds(e.target.checked)}
          data-testid="show-seeds"
        />{' '}
        {t('groups.showSeeds')}
      </label>
    </>
  )
}
