// The agents area (Hermes, NemoTron, OpenClaw, ElephantAlpha) as the rest of Vigil sees it.
export { wireAgents, healGateway, type Agents, type AgentDeps } from './wire';
export { TelegramUpdate, type CallbackOutcome } from './elephant/telegram';
export { createHermes } from './hermes/hermes';
export { timeboxed, type TimeboxOutcome, type Triager } from './hermes/triager';
export { matchRule } from './hermes/hermes';
export type { LoopSteps } from './elephant/ports';
export type { Elephant } from './elephant/service';
export { createLlmClient } from './llm/client';
export type { LlmClient } from './llm/types';
export type { StepInput } from './elephant/steps';
