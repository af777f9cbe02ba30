// NormLab's version, from package.json: what the archive host reports and reports record.
import pkg from '../../package.json'

export const APP_VERSION: string = pkg.version
