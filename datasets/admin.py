from django.contrib import admin

from datasets.models import Asset, DerivedMedia, Item, Stream


class StreamInline(admin.TabularInline):
    model = Stream
    extra = 0
    raw_id_fields = ("asset",)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "external_id", "dataset", "duration_ms", "provenance_kind", "created_at")
    list_filter = ("provenance_kind",)
    search_fields = ("external_id",)
    inlines = [StreamInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ("id", "original_name", "kind", "status", "progress", "size", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("original_name", "sha256", "storage_key")
    readonly_fields = ("sha256", "size", "storage_key", "meta")


@admin.register(DerivedMedia)
class DerivedMediaAdmin(admin.ModelAdmin):
    list_display = ("id", "asset", "kind", "code_version", "created_at")
    list_filter = ("kind", "code_version")
