// Shapes of the staff API answers (see api-spec/openapi.json), the subset the
// console reads.

import type { Attachment, CategoryRef, OfficeRef, TimelineEntry } from '../common/api';

export type Role = 'urp' | 'office' | 'supervisor' | 'admin' | 'platform';

export interface StaffUser {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  municipality: string;
  offices: string[];
  /** False once an administrator disabled the account. */
  active?: boolean;
}

export interface LoginResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: StaffUser;
}

export interface QueueItem {
  code: string;
  status: string;
  title: string;
  category: CategoryRef;
  channel: string;
  received_at: string;
  overdue: boolean;
  escalation_level: number;
  address?: string | null;
  office?: OfficeRef | null;
  seconds_to_due?: number | null;
  take_in_due_at?: string | null;
}

export interface QueuePage {
  items: QueueItem[];
  next_cursor?: string | null;
}

export interface StaffEvent extends TimelineEntry {
  public: boolean;
  actor_kind: string;
  actor_id?: string | null;
  data?: unknown;
}

export interface Reporter {
  contact: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
}

/** A public-message template offered for a target status (from the server,
 * when it sends them). */
export interface MessageTemplate {
  status: string;
  /** A short name staff choose it by. */
  label?: string;
  text_it: string;
  text_en: string;
}

export interface StaffReport {
  code: string;
  status: string;
  /** Where a status change may move it now (the server's workflow). */
  next_statuses: string[];
  title: string;
  description: string;
  category: CategoryRef;
  lat: number;
  lon: number;
  address?: string | null;
  office?: OfficeRef | null;
  created_at: string;
  updated_at: string;
  received_at: string;
  channel: string;
  escalation_level: number;
  take_in_due_at?: string | null;
  taken_in_at?: string | null;
  resolved_at?: string | null;
  closed_at?: string | null;
  expected_resolution_at?: string | null;
  duplicate_of?: string | null;
  photos: Attachment[];
  documents?: Attachment[] | null;
  reporter?: Reporter | null;
  events: StaffEvent[];
  media_url?: string | null;
  attributes?: unknown;
  templates?: MessageTemplate[] | null;
  /** `published`, `pending`, `hidden` or `withheld`. */
  publication: string;
  moderation: PublicVersion;
}

/** What the public reads of a report (GET /api/v1/staff/reports/{code}). */
export interface PublicVersion {
  /** `immediate`, `after_review` or `never`. */
  policy: string;
  public_title: string;
  public_description: string;
  edited_title?: string | null;
  edited_description?: string | null;
  masked: boolean;
}

export type Decision = 'publish' | 'hide';

export interface ModerationRequest {
  report?: Decision;
  public_title?: string;
  public_description?: string;
  photos?: Array<{ id: string; decision: Decision }>;
  reason?: string;
}

export interface ModerationItem extends PublicVersion {
  code: string;
  status: string;
  publication: string;
  category: CategoryRef;
  office?: OfficeRef | null;
  received_at: string;
  address?: string | null;
  title: string;
  description: string;
  photos: Attachment[];
}

export interface ModerationPage {
  items: ModerationItem[];
  next_cursor?: string | null;
}

export interface CategoryView {
  code: string;
  name_it: string;
  name_en: string;
  parent: string | null;
  selectable: boolean;
  triage: boolean;
  take_in_sla_hours: number;
  resolution_target_days: number;
}

export interface CategoriesResponse {
  municipality: string;
  municipality_name: string;
  categories: CategoryView[];
}

export interface CreatedReport {
  code: string;
  /** Shown once: with it the citizen's files can be attached. */
  tracking_token: string;
  status: string;
  title: string;
  category: CategoryRef;
  office?: OfficeRef | null;
  take_in_due_at?: string | null;
  created_at: string;
}

export interface CallbackAttempt {
  at: string;
  outcome: string;
  note?: string | null;
}

export interface Callback {
  id: string;
  report_code: string;
  report_title: string;
  reason: string;
  state: string;
  due_at: string;
  overdue: boolean;
  attempts: CallbackAttempt[];
  citizen_name?: string | null;
  message?: string | null;
  phone?: string | null;
}

export interface OfficeStats {
  office?: OfficeRef | null;
  received: number;
  taken_in: number;
  taken_in_within_deadline: number;
  open_backlog: number;
  overdue_now: number;
  within_deadline_pct?: number | null;
  median_take_in_hours?: number | null;
  p90_take_in_hours?: number | null;
  oldest_open_code?: string | null;
  oldest_open_received_at?: string | null;
}

export interface RatingSummary {
  count: number;
  average?: number | null;
  histogram: number[];
}

export interface PageFeedbackSummary {
  page: string;
  count: number;
  average?: number | null;
  histogram: number[];
  answers: { answer: string; count: number }[];
  details: { at: string; rating: number; text: string }[];
}

export interface OfficeStatsResponse {
  from: string;
  to: string;
  offices: OfficeStats[];
  service_rating: RatingSummary;
  page_feedback: PageFeedbackSummary[];
}
