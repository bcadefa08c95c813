import { runService } from '@tthc/platform';
import { loadConfig } from './config';
import { createApp } from './app';

runService('notifier', loadConfig, createApp);
