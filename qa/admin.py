from django.contrib import admin

from qa.models import ReviewItem, TaskAgreement


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("id", "task", "state", "claimed_by", "claim_expires_at", "resolved_by", "resolved_at")
    list_filter = ("state",)
    raw_id_fields = ("task", "gold")


@admin.register(TaskAgreement)
class TaskAgreementAdmin(admin.ModelAdmin):
    list_display = ("task", "score", "computed_at")
    raw_id_fields = ("task",)
