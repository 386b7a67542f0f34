// The staff API's answers, under the console's names: each is the type
// generated from api-spec/openapi.json (src/api.gen.ts, by
// scripts/api-types.mjs), so the console reads what the server sends and a
// change on one side fails the build of the other.

import type * as api from '../api.gen';

export type Role = api.Role;
export type StaffUser = api.StaffView;
export type LoginResponse = api.LoginResponse;
export type QueueItem = api.QueueItem;
export type QueuePage = api.QueuePage;
export type StaffEvent = api.StaffEvent;
export type Reporter = api.ReporterView;
export type MessageTemplate = api.MessageTemplate;
export type StaffReport = api.StaffReportView;
export type PublicVersion = api.PublicVersion;
export type Decision = api.Decision;
export type ModerationRequest = api.ModerationRequest;
export type ModerationItem = api.ModerationItem;
export type ModerationPage = api.ModerationPage;
export type CategoryView = api.CategoryView;
export type CategoriesResponse = api.CategoriesResponse;
export type CreatedReport = api.CreatedReport;
export type CallbackAttempt = api.AttemptView;
export type Callback = api.CallbackView;
export type OfficeStats = api.OfficeStatsView;
export type RatingSummary = api.RatingSummary;
export type PageFeedbackSummary = api.PageFeedbackSummary;
export type OfficeStatsResponse = api.OfficeStatsResponse;
