import type { BrowserContextOptions, Page } from 'playwright-core';

export declare const DASHBOARD_CONTEXT: Readonly<Pick<BrowserContextOptions, 'viewport' | 'locale' | 'timezoneId'>>;
export declare function completePaintInstant(): number | false;
export declare function firstCompletePaint(page: Page, timeoutMs?: number): Promise<number>;
