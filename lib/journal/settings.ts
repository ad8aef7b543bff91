import { FORMAT_VERSION, type SettingsRecord } from './records.js';

/** The engine settings that shape answers and are kept with the journal: the defaults for new users. */
export interface EngineSettings {
  readonly currency: string;
  readonly initialBalance: number;
}

/** One setting on which an engine and its journal disagree. */
export interface SettingsDifference {
  readonly setting: keyof EngineSettings;
  /** What the journal was written with. */
  readonly journal: string | number;
  /** What the engine was started with. */
  readonly requested: string | number;
}

/**
 * A journal written with other settings than the engine was started with: serving it would
 * answer with another currency or create users with another balance than the journal's.
 */
export class JournalSettingsError extends Error {
  readonly differences: readonly SettingsDifference[];

  constructor(file: string, differences: readonly SettingsDifference[]) {
    const list = differences.map((d) => `${d.setting} ${JSON.stringify(d.journal)} (started with ${JSON.stringify(d.requested)})`).join(', ');
    super(`${file} was written with ${list}; start the engine with the journal's settings`);
    this.name = 'JournalSettingsError';
    this.differences = differences;
  }
}

/**
 * The record that carries `settings` in a journal or snapshot: the first line of a file, with the
 * format version it is written in; `format` false for the settings line added to a version-1
 * journal that has none (the file stays one of version 1).
 */
export function settingsRecord(settings: EngineSettings, format = true): SettingsRecord {
  const { currency, initialBalance } = settings;
  return format ? { type: 'settings', format: FORMAT_VERSION, currency, initialBalance } : { type: 'settings', currency, initialBalance };
}

/** Throws {@link JournalSettingsError} if the settings recorded in `file` are not `settings`. */
export function checkSettings(file: string, recorded: SettingsRecord, settings: EngineSettings): void {
  const differences: SettingsDifference[] = [];
  for (const setting of ['currency', 'initialBalance'] as const) {
    if (recorded[setting] !== settings[setting]) differences.push({ setting, journal: recorded[setting], requested: settings[setting] });
  }
  if (differences.length > 0) throw new JournalSettingsError(file, differences);
}
