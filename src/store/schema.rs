//! The diesel schema, in types portable between SQLite and PostgreSQL.
//! Keep in step with `migrations/sqlite` and `migrations/postgres`.

diesel::table! {
    admin_audit (id) {
        id -> Text,
        municipality_id -> Text,
        actor -> Text,
        action -> Text,
        target -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    municipalities (id) {
        id -> Text,
        name -> Text,
        code_prefix -> Text,
        boundary -> Text,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        timezone -> Text,
        working_weekdays -> Text,
        office_hours -> Text,
        deadline_mode -> Text,
        reopen_days -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        urp_phone -> Nullable<Text>,
        urp_email -> Nullable<Text>,
        urp_address -> Nullable<Text>,
        publication_policy -> Text,
    }
}

diesel::table! {
    holidays (municipality_id, date) {
        municipality_id -> Text,
        date -> Date,
        name -> Text,
        kind -> Text,
    }
}

diesel::table! {
    /// Holidays on the same day every year (the patron saint).
    annual_holidays (municipality_id, month, day) {
        municipality_id -> Text,
        month -> Integer,
        day -> Integer,
        name -> Text,
    }
}

diesel::table! {
    offices (id) {
        id -> Text,
        municipality_id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        webhook_url -> Nullable<Text>,
        webhook_secret -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        municipality_id -> Text,
        code -> Text,
        name_it -> Text,
        name_en -> Text,
        description_it -> Nullable<Text>,
        description_en -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        default_office_id -> Nullable<Text>,
        take_in_sla_hours -> Integer,
        resolution_target_days -> Integer,
        deadline_mode -> Nullable<Text>,
        triage -> Bool,
        active -> Bool,
        public -> Bool,
        sort_order -> Integer,
        created_at -> Timestamp,
        message_templates -> Nullable<Text>,
        publication_policy -> Nullable<Text>,
    }
}

diesel::table! {
    routing_zones (id) {
        id -> Text,
        municipality_id -> Text,
        name -> Text,
        boundary -> Text,
        category_id -> Nullable<Text>,
        office_id -> Text,
        priority -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    report_counters (municipality_id, year) {
        municipality_id -> Text,
        year -> Integer,
        last_value -> BigInt,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        code -> Text,
        municipality_id -> Text,
        category_id -> Text,
        office_id -> Nullable<Text>,
        status -> Text,
        title -> Text,
        description -> Text,
        lat -> Double,
        lon -> Double,
        address -> Nullable<Text>,
        channel -> Text,
        reporter_name -> Nullable<Text>,
        reporter_email -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        contact_preference -> Text,
        language -> Text,
        entered_by -> Nullable<Text>,
        tracking_token_hash -> Text,
        received_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        take_in_due_at -> Nullable<Timestamp>,
        taken_in_at -> Nullable<Timestamp>,
        expected_resolution_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        escalation_level -> Integer,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        duplicate_of -> Nullable<BigInt>,
        anonymised_at -> Nullable<Timestamp>,
        next_escalation_at -> Nullable<Timestamp>,
        attributes -> Nullable<Text>,
        media_url -> Nullable<Text>,
        late_notified_at -> Nullable<Timestamp>,
        publication -> Text,
        public_title -> Nullable<Text>,
        public_description -> Nullable<Text>,
        /// The report's grid cells (src/domain/grid.rs): generated columns
        /// on PostgreSQL, never written there; written with the report on
        /// SQLite (a trigger mends a row that comes without them).
        map_cell -> Nullable<BigInt>,
        map_cell_street -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_events (id) {
        id -> BigInt,
        report_id -> BigInt,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        kind -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        public -> Bool,
        message -> Nullable<Text>,
        data -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        report_id -> BigInt,
        kind -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        original_name -> Nullable<Text>,
        uploaded_by -> Text,
        created_at -> Timestamp,
        publication -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        municipality_id -> Text,
        active -> Bool,
        token_version -> Integer,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    user_offices (user_id, office_id) {
        user_id -> Text,
        office_id -> Text,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        window_start -> Timestamp,
        count -> Integer,
    }
}

diesel::joinable!(user_offices -> users (user_id));
diesel::joinable!(callbacks -> reports (report_id));
diesel::joinable!(callback_attempts -> callbacks (callback_id));

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        dedupe_key -> Text,
        payload -> Text,
        report_id -> Nullable<BigInt>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    callbacks (id) {
        id -> Text,
        report_id -> BigInt,
        municipality_id -> Text,
        reason -> Text,
        message -> Nullable<Text>,
        state -> Text,
        due_at -> Timestamp,
        attempts -> Integer,
        escalation_level -> Integer,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        handled_by -> Nullable<Text>,
    }
}

diesel::table! {
    callback_attempts (id) {
        id -> Text,
        callback_id -> Text,
        at -> Timestamp,
        outcome -> Text,
        note -> Nullable<Text>,
        user_id -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        key_hash -> Text,
        municipality_id -> Text,
        office_id -> Nullable<Text>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    category_attributes (id) {
        id -> Text,
        category_id -> Text,
        code -> Text,
        datatype -> Text,
        required -> Bool,
        description -> Text,
        datatype_description -> Nullable<Text>,
        sort_order -> Integer,
        value_list -> Nullable<Text>,
    }
}

diesel::table! {
    ratings (report_id) {
        report_id -> BigInt,
        municipality_id -> Text,
        score -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Answers to "Quanto sono chiare le informazioni su questa pagina?".
    page_feedback (id) {
        id -> BigInt,
        page -> Text,
        rating -> Integer,
        answer -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(offices -> municipalities (municipality_id));
diesel::joinable!(categories -> municipalities (municipality_id));
diesel::joinable!(reports -> categories (category_id));
diesel::joinable!(reports -> offices (office_id));
diesel::joinable!(report_events -> reports (report_id));
diesel::joinable!(attachments -> reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    municipalities,
    admin_audit,
    holidays,
    offices,
    categories,
    routing_zones,
    report_counters,
    reports,
    report_events,
    attachments,
    users,
    user_offices,
    rate_limits,
    outbox,
    callbacks,
    callback_attempts,
    api_keys,
    category_attributes,
    ratings,
);

diesel::table! {
    /// Versions of what instances cache (bumped by triggers).
    cache_versions (name) {
        name -> Text,
        version -> BigInt,
    }
}
