export * from './result';
export * from './constants';
export * from './api';
export * from './domain';
